# Finds OpenSSL >= 3.5: the one scripts/bootstrap builds into a fixed prefix, or the
# system's where it is new enough. Exactly one OpenSSL ends up in every binary.
set(MTC_OPENSSL_PREFIX "/opt/mtc/openssl-3.5" CACHE PATH
    "Prefix of the OpenSSL >= 3.5 that scripts/bootstrap builds")
if(EXISTS "${MTC_OPENSSL_PREFIX}/include/openssl/opensslv.h" AND NOT OPENSSL_ROOT_DIR)
  set(OPENSSL_ROOT_DIR "${MTC_OPENSSL_PREFIX}")
  set(OPENSSL_USE_STATIC_LIBS OFF)
endif()

find_package(OpenSSL REQUIRED COMPONENTS Crypto SSL)
if(OPENSSL_VERSION VERSION_LESS 3.5)
  message(FATAL_ERROR
    "mtc needs OpenSSL 3.5 or later (ML-DSA, X25519MLKEM768) but found "
    "${OPENSSL_VERSION} in ${OPENSSL_INCLUDE_DIR}. Run scripts/bootstrap to build "
    "OpenSSL 3.5 into ${MTC_OPENSSL_PREFIX}, or point OPENSSL_ROOT_DIR at one.")
endif()
message(STATUS "OpenSSL ${OPENSSL_VERSION}: ${OPENSSL_CRYPTO_LIBRARY}")
get_filename_component(MTC_OPENSSL_LIBDIR "${OPENSSL_CRYPTO_LIBRARY}" DIRECTORY)
