#include "mtc/wire/der.h"

#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "mtc/base/hex.h"
#include "mtc/wire/pem.h"

namespace mtc::wire {
namespace {

std::vector<uint8_t> FromHex(std::string_view hex) {
  Result<std::vector<uint8_t>> out = HexDecode(hex);
  EXPECT_TRUE(out.ok()) << hex;
  return out.ok() ? *out : std::vector<uint8_t>();
}

std::vector<uint8_t> ToVector(std::span<const uint8_t> s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

std::string ToString(std::span<const uint8_t> s) {
  return std::string(s.begin(), s.end());
}

template <typename Fill>
std::vector<uint8_t> Build(Fill&& fill) {
  DerBuilder b;
  fill(b);
  Result<std::vector<uint8_t>> out = std::move(b).Finish();
  EXPECT_TRUE(out.ok()) << out.error().ToString();
  return out.ok() ? *out : std::vector<uint8_t>();
}

template <typename Fill>
bool BuildFails(Fill&& fill) {
  DerBuilder b;
  fill(b);
  return !std::move(b).Finish().ok();
}

// ---- Known encodings (X.690 §8 and its examples) ----

TEST(DerTest, KnownEncodings) {
  struct Case {
    const char* name;
    std::function<void(DerBuilder&)> add;
    const char* hex;
  };
  const std::vector<Case> cases = {
      {"INTEGER 0", [](DerBuilder& b) { b.AddUint64(0); }, "020100"},
      {"INTEGER 127", [](DerBuilder& b) { b.AddUint64(127); }, "02017f"},
      {"INTEGER 128", [](DerBuilder& b) { b.AddUint64(128); }, "02020080"},
      {"INTEGER 256", [](DerBuilder& b) { b.AddUint64(256); }, "02020100"},
      {"INTEGER 2^64-1", [](DerBuilder& b) { b.AddUint64(~uint64_t{0}); },
       "020900ffffffffffffffff"},
      {"BOOLEAN TRUE", [](DerBuilder& b) { b.AddBool(true); }, "0101ff"},
      {"BOOLEAN FALSE", [](DerBuilder& b) { b.AddBool(false); }, "010100"},
      {"NULL", [](DerBuilder& b) { b.AddNull(); }, "0500"},
      // X.690 §8.6.4.2: '0A3B5F291CD'H.
      {"BIT STRING",
       [](DerBuilder& b) {
         b.AddBitStringWithUnusedBits(FromHex("0a3b5f291cd0"), 4);
       },
       "0307040a3b5f291cd0"},
      {"empty BIT STRING", [](DerBuilder& b) { b.AddBitString({}); }, "030100"},
      {"OCTET STRING",
       [](DerBuilder& b) { b.AddOctetString(FromHex("0123456789abcdef")); },
       "04080123456789abcdef"},
      // X.690 §8.19.5: {2 999 3}.
      {"OID 2.999.3", [](DerBuilder& b) { b.AddOid("2.999.3"); }, "0603883703"},
      {"OID rsaEncryption",
       [](DerBuilder& b) { b.AddOid("1.2.840.113549.1.1.1"); },
       "06092a864886f70d010101"},
      // draft-ietf-plants-merkle-tree-certs: id-alg-mtcProof (experimental).
      {"OID mtcProof",
       [](DerBuilder& b) { b.AddOid("1.3.6.1.4.1.44363.47.0"); },
       "060a2b0601040182da4b2f00"},
      // X.690 §8.20.5: {8571 3 2}.
      {"RELATIVE-OID", [](DerBuilder& b) { b.AddRelativeOid("8571.3.2"); },
       "0d04c27b0302"},
      // draft-ietf-tls-trust-anchor-ids §3: trust anchor ID 32473.1.
      {"trust anchor ID", [](DerBuilder& b) { b.AddRelativeOid("32473.1"); },
       "0d0481fd5901"},
      {"UTF8String", [](DerBuilder& b) { b.AddUtf8String("32473.1"); },
       "0c0733323437332e31"},
      {"UTF8String non-ASCII", [](DerBuilder& b) { b.AddUtf8String("€"); },
       "0c03e282ac"},
      {"PrintableString",
       [](DerBuilder& b) { b.AddPrintableString("Test CA '1'"); },
       "130b5465737420434120273127"},
      {"IA5String", [](DerBuilder& b) { b.AddIa5String("b.example"); },
       "1609622e6578616d706c65"},
      {"UTCTime", [](DerBuilder& b) { b.AddUtcTime(1577836800); },
       "170d3230303130313030303030305a"},
      {"UTCTime 2049", [](DerBuilder& b) { b.AddTime(2524607999); },
       "170d3439313233313233353935395a"},
      {"GeneralizedTime 2050", [](DerBuilder& b) { b.AddTime(2524608000); },
       "180f32303530303130313030303030305a"},
      {"GeneralizedTime 1949", [](DerBuilder& b) { b.AddTime(-631152001); },
       "180f31393439313233313233353935395a"},
      {"empty SEQUENCE",
       [](DerBuilder& b) { b.AddSequence([](DerBuilder&) {}); }, "3000"},
      {"[0] EXPLICIT INTEGER",
       [](DerBuilder& b) {
         b.AddElement(DerExplicitTag(0), [](DerBuilder& v) { v.AddUint64(2); });
       },
       "a003020102"},
      {"[2] IMPLICIT IA5String",
       [](DerBuilder& b) { b.AddIa5String("a", DerImplicitTag(2)); }, "820161"},
      // X.690 §8.1.2.4: tag numbers >= 31 in the high-tag-number form.
      {"[31] IMPLICIT NULL",
       [](DerBuilder& b) { b.AddNull(DerImplicitTag(31)); }, "9f1f00"},
      {"[201] EXPLICIT",
       [](DerBuilder& b) {
         b.AddElement(DerExplicitTag(201), [](DerBuilder&) {});
       },
       "bf814900"},
      {"[APPLICATION 30] NULL",
       [](DerBuilder& b) { b.AddNull(kDerApplication | 30); }, "5e00"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HexEncode(Build(c.add)), c.hex) << c.name;
  }
}

TEST(DerTest, LengthsAreMinimal) {
  for (size_t n : {0, 1, 127, 128, 255, 256, 65535, 65536, 70000}) {
    std::vector<uint8_t> contents(n, 0x5a);
    std::vector<uint8_t> der =
        Build([&](DerBuilder& b) { b.AddOctetString(contents); });
    std::string header = HexEncode(std::span(der).first(der.size() - n));
    std::string want =
        n < 128
            ? "04" + HexEncode(std::vector<uint8_t>{static_cast<uint8_t>(n)})
        : n < 256
            ? "0481" + HexEncode(std::vector<uint8_t>{static_cast<uint8_t>(n)})
        : n < 65536
            ? "0482" +
                  HexEncode(std::vector<uint8_t>{static_cast<uint8_t>(n >> 8),
                                                 static_cast<uint8_t>(n)})
            : "0483" +
                  HexEncode(std::vector<uint8_t>{static_cast<uint8_t>(n >> 16),
                                                 static_cast<uint8_t>(n >> 8),
                                                 static_cast<uint8_t>(n)});
    EXPECT_EQ(header, want) << n;
    DerReader r(der);
    std::span<const uint8_t> got;
    ASSERT_TRUE(r.ReadOctetString(&got)) << n;
    EXPECT_TRUE(r.Done());
    EXPECT_EQ(ToVector(got), contents);
  }
}

TEST(DerTest, NestedScopesGrowTheirLengthsAfterwards) {
  // The inner element needs a long-form length, so both lengths move.
  std::vector<uint8_t> big(200, 0x11);
  std::vector<uint8_t> der = Build([&](DerBuilder& b) {
    b.AddSequence([&](DerBuilder& s) {
      s.AddSequence([&](DerBuilder& t) { t.AddOctetString(big); });
      s.AddBool(true);
    });
  });
  EXPECT_EQ(HexEncode(std::span(der).first(9)), "3081d13081cb0481c8");
  DerReader r(der), outer, inner;
  std::span<const uint8_t> got;
  bool v;
  ASSERT_TRUE(r.ReadSequence(&outer) && r.Done());
  ASSERT_TRUE(outer.ReadSequence(&inner) && outer.ReadBool(&v) && outer.Done());
  ASSERT_TRUE(inner.ReadOctetString(&got) && inner.Done());
  EXPECT_TRUE(v);
  EXPECT_EQ(ToVector(got), big);
}

// ---- Round trips ----

TEST(DerTest, RoundTripsEveryType) {
  const std::vector<uint8_t> key = FromHex("04aabbccdd");
  const std::vector<uint8_t> serial = FromHex("0000ff0102");
  std::vector<uint8_t> der = Build([&](DerBuilder& b) {
    b.AddSequence([&](DerBuilder& s) {
      s.AddUint64(0x0100000000000a);
      s.AddUnsignedInteger(serial);
      s.AddBool(true);
      s.AddNull();
      s.AddOctetString(key);
      s.AddBitString(key);
      s.AddBitStringWithUnusedBits(FromHex("0780"), 7);
      s.AddOid("1.3.6.1.4.1.44363.47.1");
      s.AddRelativeOid("32473.2.1");
      s.AddUtf8String("Grüße");
      s.AddPrintableString("Example CA");
      s.AddIa5String("*.example.com");
      s.AddUtcTime(951827696);
      s.AddGeneralizedTime(253402300799);
      s.AddElement(DerExplicitTag(3), [](DerBuilder& e) { e.AddUint64(5); });
      s.AddUint64(7, DerImplicitTag(1));
    });
  });

  DerReader r(der), s, explicit3;
  uint64_t u, implicit1;
  std::span<const uint8_t> mag, octets, bits, bits7, oid, rel;
  uint8_t unused;
  bool flag;
  std::string utf8, printable, ia5;
  int64_t utc, gen;
  ASSERT_TRUE(r.ReadSequence(&s) && r.Done());
  ASSERT_TRUE(s.ReadUint64(&u));
  ASSERT_TRUE(s.ReadUnsignedInteger(&mag));
  ASSERT_TRUE(s.ReadBool(&flag));
  ASSERT_TRUE(s.ReadNull());
  ASSERT_TRUE(s.ReadOctetString(&octets));
  ASSERT_TRUE(s.ReadByteAlignedBitString(&bits));
  ASSERT_TRUE(s.ReadBitString(&bits7, &unused));
  ASSERT_TRUE(s.ReadOid(&oid));
  ASSERT_TRUE(s.ReadRelativeOid(&rel));
  ASSERT_TRUE(s.ReadUtf8String(&utf8));
  ASSERT_TRUE(s.ReadPrintableString(&printable));
  ASSERT_TRUE(s.ReadIa5String(&ia5));
  ASSERT_TRUE(s.ReadTime(&utc));
  ASSERT_TRUE(s.ReadTime(&gen));
  ASSERT_TRUE(s.ReadElement(DerExplicitTag(3), &explicit3));
  ASSERT_TRUE(s.ReadUint64(&implicit1, DerImplicitTag(1)));
  ASSERT_TRUE(s.Done());
  uint64_t five;
  ASSERT_TRUE(explicit3.ReadUint64(&five) && explicit3.Done());

  EXPECT_EQ(u, 0x0100000000000au);
  EXPECT_EQ(HexEncode(mag), "ff0102");
  EXPECT_TRUE(flag);
  EXPECT_EQ(ToVector(octets), key);
  EXPECT_EQ(ToVector(bits), key);
  EXPECT_EQ(HexEncode(bits7), "0780");
  EXPECT_EQ(unused, 7);
  EXPECT_EQ(*OidToText(oid), "1.3.6.1.4.1.44363.47.1");
  EXPECT_EQ(*RelativeOidToText(rel), "32473.2.1");
  EXPECT_EQ(utf8, "Grüße");
  EXPECT_EQ(printable, "Example CA");
  EXPECT_EQ(ia5, "*.example.com");
  EXPECT_EQ(utc, 951827696);
  EXPECT_EQ(gen, 253402300799);
  EXPECT_EQ(five, 5u);
  EXPECT_EQ(implicit1, 7u);
}

TEST(DerTest, Uint64RoundTripsAtEveryBitLength) {
  for (int bits = 0; bits <= 64; bits++) {
    for (uint64_t v : {bits == 0 ? 0 : uint64_t{1} << (bits - 1),
                       bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1}) {
      std::vector<uint8_t> der = Build([&](DerBuilder& b) { b.AddUint64(v); });
      DerReader r(der);
      uint64_t got;
      ASSERT_TRUE(r.ReadUint64(&got) && r.Done()) << v;
      EXPECT_EQ(got, v);
      // The same value through the big-endian form.
      std::span<const uint8_t> mag;
      DerReader r2(der);
      ASSERT_TRUE(r2.ReadUnsignedInteger(&mag));
      EXPECT_EQ(
          HexEncode(Build([&](DerBuilder& b) { b.AddUnsignedInteger(mag); })),
          HexEncode(der));
    }
  }
}

TEST(DerTest, UnsignedIntegerFromBytes) {
  EXPECT_EQ(HexEncode(Build([](DerBuilder& b) { b.AddUnsignedInteger({}); })),
            "020100");
  EXPECT_EQ(HexEncode(Build([](DerBuilder& b) {
              b.AddUnsignedInteger(FromHex("000000"));
            })),
            "020100");
  EXPECT_EQ(HexEncode(Build([](DerBuilder& b) {
              b.AddUnsignedInteger(FromHex("000080"));
            })),
            "02020080");
  // Larger than 64 bits: fine as bytes, too large for ReadUint64.
  std::vector<uint8_t> der = Build([](DerBuilder& b) {
    b.AddUnsignedInteger(FromHex("ff00000000000000000001"));
  });
  EXPECT_EQ(HexEncode(der), "020c00ff00000000000000000001");
  DerReader r(der);
  uint64_t v;
  std::span<const uint8_t> mag;
  EXPECT_FALSE(r.ReadUint64(&v));
  ASSERT_TRUE(r.ReadUnsignedInteger(&mag));
  EXPECT_EQ(HexEncode(mag), "ff00000000000000000001");
}

// ---- Truncations and non-DER encodings ----

TEST(DerTest, EveryTruncationFails) {
  std::vector<uint8_t> der = Build([](DerBuilder& b) {
    b.AddSequence([](DerBuilder& s) {
      s.AddUint64(300);
      s.AddOid("1.3.6.1.4.1.44363.47.0");
      s.AddOctetString(std::vector<uint8_t>(130, 1));
      s.AddNull(DerImplicitTag(40));
    });
  });
  for (size_t n = 0; n < der.size(); n++) {
    DerReader r(std::span<const uint8_t>(der).first(n));
    DerReader s;
    DerTag tag;
    std::span<const uint8_t> contents;
    EXPECT_FALSE(r.ReadSequence(&s)) << n;
    EXPECT_FALSE(r.ReadAnyElement(&tag, &contents)) << n;
    EXPECT_EQ(r.remaining(), n);
  }
  DerReader r(der), s;
  EXPECT_TRUE(r.ReadSequence(&s) && r.Done());
}

// Each input is a complete element that a BER decoder might take but DER
// forbids (or that is no valid encoding at all). Every read must fail and
// leave the cursor where it was.
TEST(DerTest, RejectsNonDerEncodings) {
  using Read = std::function<bool(DerReader&)>;
  Read any = [](DerReader& r) {
    DerTag t;
    std::span<const uint8_t> c;
    return r.ReadAnyElement(&t, &c);
  };
  Read peek = [](DerReader& r) {
    DerTag t;
    return r.PeekTag(&t);
  };
  Read octets = [](DerReader& r) {
    std::span<const uint8_t> c;
    return r.ReadOctetString(&c);
  };
  Read integer = [](DerReader& r) {
    std::span<const uint8_t> c;
    return r.ReadUnsignedInteger(&c);
  };
  Read u64 = [](DerReader& r) {
    uint64_t v;
    return r.ReadUint64(&v);
  };
  Read boolean = [](DerReader& r) {
    bool v;
    return r.ReadBool(&v);
  };
  Read null = [](DerReader& r) { return r.ReadNull(); };
  Read bits = [](DerReader& r) {
    std::span<const uint8_t> c;
    uint8_t unused;
    return r.ReadBitString(&c, &unused);
  };
  Read aligned = [](DerReader& r) {
    std::span<const uint8_t> c;
    return r.ReadByteAlignedBitString(&c);
  };
  Read oid = [](DerReader& r) {
    std::span<const uint8_t> c;
    return r.ReadOid(&c);
  };
  Read rel = [](DerReader& r) {
    std::span<const uint8_t> c;
    return r.ReadRelativeOid(&c);
  };
  Read utf8 = [](DerReader& r) {
    std::string s;
    return r.ReadUtf8String(&s);
  };
  Read printable = [](DerReader& r) {
    std::string s;
    return r.ReadPrintableString(&s);
  };
  Read ia5 = [](DerReader& r) {
    std::string s;
    return r.ReadIa5String(&s);
  };
  Read utc = [](DerReader& r) {
    int64_t t;
    return r.ReadUtcTime(&t);
  };
  Read gen = [](DerReader& r) {
    int64_t t;
    return r.ReadGeneralizedTime(&t);
  };
  Read time = [](DerReader& r) {
    int64_t t;
    return r.ReadTime(&t);
  };
  Read seq = [](DerReader& r) {
    DerReader s;
    return r.ReadSequence(&s);
  };
  Read set_of = [](DerReader& r) {
    DerReader s;
    return r.ReadSetOf(&s);
  };
  // Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
  //     extnValue OCTET STRING } (RFC 5280 §4.1)
  Read extension = [](DerReader& r) {
    DerReader saved = r, ext;
    std::span<const uint8_t> id, value;
    bool critical;
    if (r.ReadSequence(&ext) && ext.ReadOid(&id) &&
        ext.ReadOptionalBool(false, &critical) && ext.ReadOctetString(&value) &&
        ext.Done()) {
      return true;
    }
    r = saved;
    return false;
  };
  // version [0] EXPLICIT Version DEFAULT v1 (RFC 5280 §4.1)
  Read version = [](DerReader& r) {
    DerReader v;
    bool present;
    return r.ReadOptionalElementWithDefault(DerExplicitTag(0),
                                            FromHex("020100"), &v, &present);
  };

  struct Case {
    const char* name;
    std::string hex;
    Read read;
  };
  const std::vector<Case> cases = {
      // Lengths (X.690 §10.1).
      {"long form for a short length", "048101aa", octets},
      {"long form for length 127", "04817f" + std::string(254, 'a'), octets},
      {"leading zero length octet", "04820001aa", octets},
      {"leading zero length octet, long", "0482007f" + std::string(254, 'a'),
       octets},
      {"indefinite length",
       "30800500"
       "0000",
       seq},
      {"indefinite length, any",
       "30800500"
       "0000",
       any},
      {"reserved length octet 0xff", "04ff", any},
      {"five length octets", "04850000000001aa", any},
      {"length past the end", "0403aabb", octets},
      // Identifiers (X.690 §8.1.2).
      {"high-tag form for tag 30", "9f1e00", any},
      {"high-tag form for tag 30, peek", "9f1e00", peek},
      {"high-tag number with leading 0x80", "9f801f00", any},
      {"high-tag number unterminated", "9f81", any},
      {"tag number above 2^29-1", "9f828080800000", any},
      {"UNIVERSAL 0", "0000", any},
      {"constructed OCTET STRING", "2403040100", octets},
      {"constructed BIT STRING", "230403020000", bits},
      {"primitive SEQUENCE", "1000", seq},
      {"wrong tag", "0500", octets},
      // INTEGER (§8.3.2).
      {"empty INTEGER", "0200", integer},
      {"INTEGER with a redundant 0x00", "0202007f", integer},
      {"INTEGER with a redundant 0x00, u64", "0202007f", u64},
      {"INTEGER with a redundant 0xff", "0202ff80", integer},
      {"negative INTEGER", "0201ff", integer},
      {"negative INTEGER, u64", "020180", u64},
      {"INTEGER of 65 bits", "0209010000000000000000", u64},
      {"empty INTEGER, u64", "0200", u64},
      // BOOLEAN (§8.2, §11.1).
      {"BOOLEAN 0x01", "010101", boolean},
      {"BOOLEAN of two octets", "0102ff00", boolean},
      {"empty BOOLEAN", "0100", boolean},
      {"NULL with contents", "050100", null},
      // BIT STRING (§8.6.2, §11.2).
      {"BIT STRING without unused-bits octet", "0300", bits},
      {"empty BIT STRING with unused bits", "030101", bits},
      {"unused bits 8", "03020800", bits},
      {"unused bit set", "03020101", bits},
      {"unused bits set", "030207ff", bits},
      {"unaligned BIT STRING as aligned", "03020100", aligned},
      {"empty contents as aligned", "0300", aligned},
      // OBJECT IDENTIFIER, RELATIVE-OID (§8.19.2, §8.20.2).
      {"empty OID", "0600", oid},
      {"OID with a 0x80 leading octet", "06032a8001", oid},
      {"OID starting with 0x80", "0602802a", oid},
      {"OID unterminated", "06022a86", oid},
      {"empty RELATIVE-OID", "0d00", rel},
      {"RELATIVE-OID with 0x80", "0d03808101", rel},
      // Character strings.
      {"UTF-8 overlong NUL", "0c02c080", utf8},
      {"UTF-8 overlong slash", "0c03e080af", utf8},
      {"UTF-8 surrogate", "0c03eda080", utf8},
      {"UTF-8 above U+10FFFF", "0c04f4908080", utf8},
      {"UTF-8 truncated", "0c02e282", utf8},
      {"UTF-8 lone continuation", "0c0180", utf8},
      {"UTF-8 0xff", "0c01ff", utf8},
      {"PrintableString '@'", "130140", printable},
      {"PrintableString '*'", "13012a", printable},
      {"PrintableString '&'", "130126", printable},
      {"PrintableString '_'", "13015f", printable},
      {"IA5String 0x80", "160180", ia5},
      {"IA5String as UTF8String", "1601e9", ia5},
      // UTCTime (RFC 5280 §4.1.2.5.1).
      {"UTCTime without seconds", "170b323030313031303030305a", utc},
      {"UTCTime without Z", "170c323030313031303030303030", utc},
      {"UTCTime with offset",
       "1711323030313031303030303030"
       "2b30303030",
       utc},
      {"UTCTime with fraction", "170f3230303130313030303030302e355a", utc},
      {"UTCTime lower-case z", "170d3230303130313030303030307a", utc},
      {"UTCTime month 13", "170d3230313330313030303030305a", utc},
      {"UTCTime month 0", "170d3230303030313030303030305a", utc},
      {"UTCTime day 0", "170d3230303130303030303030305a", utc},
      {"UTCTime Feb 30", "170d3230303233303030303030305a", utc},
      {"UTCTime Feb 29 2021", "170d3231303232393030303030305a", utc},
      {"UTCTime hour 24", "170d3230303130313234303030305a", utc},
      {"UTCTime minute 60", "170d3230303130313030363030305a", utc},
      {"UTCTime second 60", "170d3230303130313030303036305a", utc},
      {"UTCTime with a space", "170d3230303130312030303030305a", utc},
      {"UTCTime with a sign", "170d2b30303130313030303030305a", utc},
      // GeneralizedTime (RFC 5280 §4.1.2.5.2).
      {"GeneralizedTime with fraction",
       "181132303530303130313030303030302e355a", gen},
      {"GeneralizedTime without seconds", "180d3230353030313031303030305a",
       gen},
      {"GeneralizedTime without Z", "180e3230353030313031303030303030", gen},
      {"GeneralizedTime with offset",
       "18133230353030313031303030303030"
       "2b30313030",
       gen},
      {"GeneralizedTime Feb 29 2100", "180f32313030303232393030303030305a",
       gen},
      {"GeneralizedTime in 2020 as Time", "180f32303230303130313030303030305a",
       time},
      {"GeneralizedTime in 1950 as Time", "180f31393530303130313030303030305a",
       time},
      {"GeneralizedTime in 2049 as Time", "180f32303439313233313233353935395a",
       time},
      {"OCTET STRING as Time", "0400", time},
      // SET OF order (§11.6).
      {"SET OF out of order", "3106020102020101", set_of},
      {"SET OF with a bad element", "31020201", set_of},
      // DEFAULT (§11.5).
      {"critical FALSE encoded", "300b0603551d0f010100040100", extension},
      {"critical 0x01", "300b0603551d0f010101040100", extension},
      {"version v1 encoded", "a003020100", version},
  };
  for (const Case& c : cases) {
    std::vector<uint8_t> in = FromHex(c.hex);
    DerReader r(in);
    EXPECT_FALSE(c.read(r)) << c.name;
    EXPECT_EQ(r.remaining(), in.size()) << c.name;
  }
}

TEST(DerTest, AcceptsTheBoundariesOfTheRejectedForms) {
  // The valid neighbours of the cases above, to show the reads can succeed.
  std::vector<uint8_t> long128 = FromHex("048180" + std::string(256, '0'));
  DerReader r1(long128);
  std::span<const uint8_t> c;
  EXPECT_TRUE(r1.ReadOctetString(&c) && r1.Done());
  EXPECT_EQ(c.size(), 128u);

  std::vector<uint8_t> high = FromHex("9f1f00");
  DerReader r2(high);
  DerTag tag;
  EXPECT_TRUE(r2.PeekTag(&tag));
  EXPECT_EQ(tag, DerImplicitTag(31));

  std::vector<uint8_t> max_tag = FromHex("df81ffffff7f00");
  DerReader r3(max_tag);
  EXPECT_TRUE(r3.PeekTag(&tag));
  EXPECT_EQ(tag, kDerPrivate | kDerTagNumberMask);

  std::vector<uint8_t> neg_pad = FromHex("02020080");
  DerReader r4(neg_pad);
  uint64_t v;
  EXPECT_TRUE(r4.ReadUint64(&v));
  EXPECT_EQ(v, 128u);

  std::vector<uint8_t> feb29 = FromHex("170d3030303232393030303030305a");
  DerReader r5(feb29);
  int64_t t;
  EXPECT_TRUE(r5.ReadUtcTime(&t));
  EXPECT_EQ(t, 951782400);  // 2000-02-29, a leap day (400 divides 2000)

  std::vector<uint8_t> sorted = FromHex("3106020101020102");
  DerReader r6(sorted), set;
  EXPECT_TRUE(r6.ReadSetOf(&set));

  std::vector<uint8_t> critical = FromHex("300b0603551d0f0101ff040100");
  DerReader r7(critical), ext;
  std::span<const uint8_t> id, value;
  bool is_critical = false;
  EXPECT_TRUE(r7.ReadSequence(&ext) && ext.ReadOid(&id) &&
              ext.ReadOptionalBool(false, &is_critical) &&
              ext.ReadOctetString(&value) && ext.Done());
  EXPECT_TRUE(is_critical);
}

TEST(DerTest, UtcTimeYearWindow) {
  // RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY, YY < 50 is 20YY.
  struct Case {
    const char* text;
    int64_t want;
  };
  for (const Case& c :
       {Case{"500101000000Z", -631152000}, Case{"491231235959Z", 2524607999},
        Case{"700101000000Z", 0}, Case{"991231235959Z", 946684799},
        Case{"000101000000Z", 946684800}}) {
    std::string text = c.text;
    std::vector<uint8_t> der = {0x17, static_cast<uint8_t>(text.size())};
    der.insert(der.end(), text.begin(), text.end());
    DerReader r(der);
    int64_t t;
    ASSERT_TRUE(r.ReadUtcTime(&t)) << c.text;
    EXPECT_EQ(t, c.want) << c.text;
  }
}

TEST(DerTest, TimesAgreeWithTimegm) {
  // Every day from 1940 to 2110 and the first of every month of years 0 to
  // 9999, against the C library's civil-time conversion.
  auto timegm_of = [](int year, int month, int day, int h, int m, int s) {
    std::tm tm = {};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = s;
    return static_cast<int64_t>(timegm(&tm));
  };
  auto check = [](int64_t t) {
    std::vector<uint8_t> der =
        Build([&](DerBuilder& b) { b.AddGeneralizedTime(t); });
    DerReader r(der);
    int64_t got;
    return r.ReadGeneralizedTime(&got) && r.Done() && got == t;
  };
  int failures = 0;
  for (int64_t t = timegm_of(1940, 1, 1, 23, 59, 59);
       t < timegm_of(2110, 1, 1, 0, 0, 0); t += 86400) {
    if (!check(t)) failures++;
    // The text itself, against gmtime.
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm;
    gmtime_r(&tt, &tm);
    char want[32];
    std::strftime(want, sizeof(want), "%Y%m%d%H%M%SZ", &tm);
    std::vector<uint8_t> der =
        Build([&](DerBuilder& b) { b.AddGeneralizedTime(t); });
    if (ToString(std::span(der).subspan(2)) != want) failures++;
  }
  for (int year = 0; year <= 9999; year++) {
    for (int month = 1; month <= 12; month++) {
      if (!check(timegm_of(year, month, 1, 12, 30, 45))) failures++;
    }
  }
  EXPECT_EQ(failures, 0);
}

TEST(DerTest, TimeRangesOfTheBuilder) {
  EXPECT_TRUE(BuildFails([](DerBuilder& b) { b.AddUtcTime(-631152001); }));
  EXPECT_TRUE(BuildFails([](DerBuilder& b) { b.AddUtcTime(2524608000); }));
  EXPECT_FALSE(BuildFails([](DerBuilder& b) { b.AddUtcTime(-631152000); }));
  EXPECT_FALSE(BuildFails([](DerBuilder& b) { b.AddUtcTime(2524607999); }));
  EXPECT_FALSE(
      BuildFails([](DerBuilder& b) { b.AddGeneralizedTime(-62167219200); }));
  EXPECT_FALSE(
      BuildFails([](DerBuilder& b) { b.AddGeneralizedTime(253402300799); }));
  EXPECT_TRUE(
      BuildFails([](DerBuilder& b) { b.AddGeneralizedTime(-62167219201); }));
  EXPECT_TRUE(
      BuildFails([](DerBuilder& b) { b.AddGeneralizedTime(253402300800); }));
  EXPECT_TRUE(BuildFails(
      [](DerBuilder& b) { b.AddTime(std::numeric_limits<int64_t>::min()); }));
  EXPECT_TRUE(BuildFails(
      [](DerBuilder& b) { b.AddTime(std::numeric_limits<int64_t>::max()); }));
  // Time picks UTCTime exactly for 1950-2049, and ReadTime accepts both.
  for (int64_t t :
       {int64_t{-631152001}, int64_t{-631152000}, int64_t{0},
        int64_t{2524607999}, int64_t{2524608000}, int64_t{253402300799}}) {
    std::vector<uint8_t> der = Build([&](DerBuilder& b) { b.AddTime(t); });
    bool utc = t >= -631152000 && t <= 2524607999;
    EXPECT_EQ(der[0], utc ? kDerUtcTime : kDerGeneralizedTime) << t;
    DerReader r(der);
    int64_t got;
    ASSERT_TRUE(r.ReadTime(&got) && r.Done()) << t;
    EXPECT_EQ(got, t);
  }
}

// ---- OIDs ----

TEST(DerTest, OidTextAndArcs) {
  struct Case {
    const char* text;
    const char* hex;
  };
  for (const Case& c :
       {Case{"0.0", "00"}, Case{"0.39", "27"}, Case{"1.0", "28"},
        Case{"1.39", "4f"}, Case{"2.0", "50"}, Case{"2.47", "7f"},
        Case{"2.48", "8100"}, Case{"2.999.3", "883703"},
        Case{"1.2.840.10045.3.1.7", "2a8648ce3d030107"},
        Case{"2.5.29.15", "551d0f"},
        Case{"1.3.6.1.4.1.44363.47.2", "2b0601040182da4b2f02"},
        Case{"2.18446744073709551535", "81ffffffffffffffff7f"}}) {
    Result<std::vector<uint8_t>> der = OidFromText(c.text);
    ASSERT_TRUE(der.ok()) << c.text << " " << der.error().ToString();
    EXPECT_EQ(HexEncode(*der), c.hex) << c.text;
    Result<std::string> text = OidToText(*der);
    ASSERT_TRUE(text.ok()) << c.text;
    EXPECT_EQ(*text, c.text);
  }
  // 2.(2^64-81) is the largest second arc whose subidentifier fits.
  std::vector<uint64_t> arcs = {2, ~uint64_t{0} - 80, 7};
  Result<std::vector<uint8_t>> der = OidFromArcs(arcs);
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(*OidToArcs(*der), arcs);
  arcs[1]++;
  EXPECT_FALSE(OidFromArcs(arcs).ok());

  for (const char* bad :
       {"", "1", "3.1", "1.40", "0.40", "1..2", "1.02", "1.2.", ".1.2", "1.2.a",
        "1.-2", "1.+2", " 1.2", "1.2 ", "1.18446744073709551616"}) {
    EXPECT_FALSE(OidFromText(bad).ok()) << bad;
  }
  for (const char* bad : {"", ".", "1.", "01", "32473..1", "x"}) {
    EXPECT_FALSE(RelativeOidFromText(bad).ok()) << bad;
  }
  EXPECT_EQ(HexEncode(*RelativeOidFromText("0")), "00");
  EXPECT_EQ(*RelativeOidToText(FromHex("81fd590102")), "32473.1.2");
  EXPECT_EQ(*RelativeOidToArcs(FromHex("81fd5901")),
            (std::vector<uint64_t>{32473, 1}));
  EXPECT_EQ(HexEncode(*RelativeOidFromArcs(std::vector<uint64_t>{32473, 2})),
            "81fd5902");
  EXPECT_FALSE(RelativeOidFromArcs({}).ok());

  // Encodings that the reader rejects, or arcs above 64 bits.
  for (const char* bad : {"", "80", "2a80", "2a86", "82808080808080808000"}) {
    EXPECT_FALSE(OidToText(FromHex(bad)).ok()) << bad;
    EXPECT_FALSE(RelativeOidToArcs(FromHex(bad)).ok()) << bad;
  }
}

TEST(DerTest, EveryTwoOctetOidRoundTrips) {
  // Every two-octet contents string: valid exactly when the reader says so,
  // and then text -> bytes gives it back.
  int valid = 0;
  for (int a = 0; a < 256; a++) {
    for (int b = 0; b < 256; b++) {
      std::vector<uint8_t> contents = {static_cast<uint8_t>(a),
                                       static_cast<uint8_t>(b)};
      std::vector<uint8_t> der = {0x06, 0x02, contents[0], contents[1]};
      DerReader r(der);
      std::span<const uint8_t> got;
      bool reads = r.ReadOid(&got);
      bool expect = a != 0x80 && (b & 0x80) == 0;
      ASSERT_EQ(reads, expect) << a << " " << b;
      if (!reads) continue;
      valid++;
      Result<std::string> text = OidToText(contents);
      ASSERT_TRUE(text.ok());
      Result<std::vector<uint8_t>> back = OidFromText(*text);
      ASSERT_TRUE(back.ok()) << *text;
      EXPECT_EQ(*back, contents) << *text;
    }
  }
  EXPECT_EQ(valid, 255 * 128);
}

// ---- Reader operations ----

TEST(DerTest, PeekOptionalAndFullElement) {
  std::vector<uint8_t> der = FromHex(
      "a003020102"
      "020105"
      "830100");
  DerReader r(der);
  DerTag tag;
  ASSERT_TRUE(r.PeekTag(&tag));
  EXPECT_EQ(tag, DerExplicitTag(0));
  EXPECT_TRUE(r.PeekTagIs(DerExplicitTag(0)));
  EXPECT_FALSE(r.PeekTagIs(DerImplicitTag(0)));

  std::span<const uint8_t> full;
  ASSERT_TRUE(r.ReadFullElement(DerExplicitTag(0), &full));
  EXPECT_EQ(HexEncode(full), "a003020102");

  DerReader absent;
  bool present = true;
  ASSERT_TRUE(r.ReadOptionalElement(DerExplicitTag(1), &absent, &present));
  EXPECT_FALSE(present);
  EXPECT_EQ(r.remaining(), 6u);
  uint64_t serial;
  ASSERT_TRUE(r.ReadUint64(&serial));
  EXPECT_EQ(serial, 5u);
  std::span<const uint8_t> contents;
  ASSERT_TRUE(r.ReadOptionalElement(DerImplicitTag(3), &contents, &present));
  EXPECT_TRUE(present);
  EXPECT_EQ(HexEncode(contents), "00");
  EXPECT_TRUE(r.Done());
  EXPECT_FALSE(r.PeekTag(&tag));
  EXPECT_FALSE(r.PeekTagIs(kDerNull));
  // An optional element at the end is absent.
  ASSERT_TRUE(r.ReadOptionalElement(kDerNull, &contents, &present));
  EXPECT_FALSE(present);
  bool b = true;
  ASSERT_TRUE(r.ReadOptionalBool(false, &b));
  EXPECT_FALSE(b);

  // A wrong tag leaves the cursor in place.
  DerReader r2(der);
  EXPECT_FALSE(r2.ReadFullElement(kDerSequence, &full));
  EXPECT_FALSE(r2.SkipElement(kDerInteger));
  EXPECT_TRUE(r2.SkipElement(DerExplicitTag(0)));
  EXPECT_EQ(r2.remaining(), 6u);
}

TEST(DerTest, DefaultValues) {
  // version [0] EXPLICIT Version DEFAULT v1: v3 is present, v1 must be absent.
  const std::vector<uint8_t> v1 = FromHex("020100");
  std::vector<uint8_t> v3 = FromHex("a003020102");
  DerReader r(v3), version;
  bool present;
  ASSERT_TRUE(r.ReadOptionalElementWithDefault(DerExplicitTag(0), v1, &version,
                                               &present));
  EXPECT_TRUE(present);
  uint64_t v;
  ASSERT_TRUE(version.ReadUint64(&v) && version.Done());
  EXPECT_EQ(v, 2u);

  std::vector<uint8_t> none = FromHex("020101");
  DerReader r2(none);
  ASSERT_TRUE(r2.ReadOptionalElementWithDefault(DerExplicitTag(0), v1, &version,
                                                &present));
  EXPECT_FALSE(present);
  EXPECT_EQ(r2.remaining(), 3u);

  // BOOLEAN DEFAULT TRUE: TRUE must be absent, FALSE present.
  std::vector<uint8_t> t = FromHex("0101ff"), f = FromHex("010100");
  DerReader rt(t), rf(f);
  bool out;
  EXPECT_FALSE(rt.ReadOptionalBool(true, &out));
  EXPECT_EQ(rt.remaining(), 3u);
  ASSERT_TRUE(rf.ReadOptionalBool(true, &out));
  EXPECT_FALSE(out);
  EXPECT_TRUE(rf.Done());
}

// ---- Builder operations ----

TEST(DerTest, SetOfIsSortedAndChecked) {
  std::vector<uint8_t> der = Build([](DerBuilder& b) {
    b.AddSetOf([](DerBuilder& s) {
      s.AddUint64(300);
      s.AddOctetString(FromHex("00"));
      s.AddUint64(2);
      s.AddUint64(1);
      s.AddUint64(2);
    });
  });
  EXPECT_EQ(HexEncode(der),
            "3110"
            "020101"
            "020102"
            "020102"
            "0202012c"
            "040100");
  DerReader r(der), set;
  ASSERT_TRUE(r.ReadSetOf(&set) && r.Done());
  uint64_t a, b, c, d;
  std::span<const uint8_t> e;
  EXPECT_TRUE(set.ReadUint64(&a) && set.ReadUint64(&b) && set.ReadUint64(&c) &&
              set.ReadUint64(&d) && set.ReadOctetString(&e) && set.Done());
  EXPECT_EQ(a, 1u);
  EXPECT_EQ(d, 300u);
}

TEST(DerTest, RawElements) {
  std::vector<uint8_t> der = Build([](DerBuilder& b) {
    b.AddSequence([](DerBuilder& s) { s.AddRawElement(FromHex("020105")); });
  });
  EXPECT_EQ(HexEncode(der), "3003020105");
  for (const char* bad : {"", "02",
                          "020105"
                          "00",
                          "0201", "048101aa", "0000"}) {
    EXPECT_TRUE(BuildFails([&](DerBuilder& b) {
      b.AddRawElement(FromHex(bad));
    })) << bad;
  }
}

TEST(DerTest, ErrorsAreSticky) {
  EXPECT_TRUE(BuildFails([](DerBuilder& b) { b.AddOid("1.40.1"); }));
  EXPECT_TRUE(BuildFails([](DerBuilder& b) { b.AddOid("1.2.x"); }));
  EXPECT_TRUE(BuildFails([](DerBuilder& b) { b.AddRelativeOid(""); }));
  EXPECT_TRUE(BuildFails([](DerBuilder& b) { b.AddPrintableString("a@b"); }));
  EXPECT_TRUE(BuildFails([](DerBuilder& b) { b.AddPrintableString("a*b"); }));
  EXPECT_TRUE(BuildFails([](DerBuilder& b) { b.AddIa5String("caf\xc3\xa9"); }));
  EXPECT_TRUE(BuildFails([](DerBuilder& b) { b.AddUtf8String("\xc0\x80"); }));
  EXPECT_TRUE(
      BuildFails([](DerBuilder& b) { b.AddUtf8String("\xed\xa0\x80"); }));
  EXPECT_TRUE(BuildFails(
      [](DerBuilder& b) { b.AddBitStringWithUnusedBits(FromHex("01"), 1); }));
  EXPECT_TRUE(
      BuildFails([](DerBuilder& b) { b.AddBitStringWithUnusedBits({}, 1); }));
  EXPECT_TRUE(BuildFails(
      [](DerBuilder& b) { b.AddBitStringWithUnusedBits(FromHex("00"), 8); }));
  EXPECT_TRUE(BuildFails([](DerBuilder& b) { b.AddNull(0); }));
  // The first error wins and later additions do not clear it.
  DerBuilder b;
  b.AddOid("bad");
  b.AddUint64(1);
  b.AddPrintableString("@");
  EXPECT_FALSE(b.ok());
  Result<std::vector<uint8_t>> out = std::move(b).Finish();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(out.error().message().find("bad"), std::string::npos);
}

// ---- The reference certificates (draft authors' generator) ----

std::string ReadTestFile(const std::string& name) {
  std::ifstream in(std::string(MTC_TESTDATA_DIR) + "/" + name,
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Re-encodes a DER tree element by element with DerBuilder: DER has one
// encoding per value, so the result must equal the input.
bool Reencode(DerReader& r, DerBuilder& b) {
  while (!r.Done()) {
    DerTag tag;
    std::span<const uint8_t> contents;
    if (!r.ReadAnyElement(&tag, &contents)) return false;
    if (tag & kDerConstructed) {
      DerReader child(contents);
      bool ok = true;
      b.AddElement(tag, [&](DerBuilder& c) { ok = Reencode(child, c); });
      if (!ok) return false;
    } else {
      b.AddElement(tag, contents);
    }
  }
  return true;
}

struct Extension {
  std::string id;
  bool critical;
  std::vector<uint8_t> value;
};

struct Certificate {
  std::vector<uint8_t> tbs;
  uint64_t version;
  std::vector<uint8_t> serial;
  std::string signature_algorithm;
  std::vector<std::pair<std::string, std::string>> issuer, subject;
  int64_t not_before, not_after;
  std::string key_algorithm;
  std::vector<uint8_t> public_key;
  std::vector<Extension> extensions;
  std::vector<uint8_t> signature;
};

// Name ::= SEQUENCE OF RelativeDistinguishedName
// RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
// AttributeTypeAndValue ::= SEQUENCE { type OID, value ANY -- DirectoryString }
bool ParseName(DerReader& r,
               std::vector<std::pair<std::string, std::string>>* out) {
  DerReader name;
  if (!r.ReadSequence(&name)) return false;
  while (!name.Done()) {
    DerReader rdn;
    if (!name.ReadSetOf(&rdn) || rdn.Done()) return false;
    while (!rdn.Done()) {
      DerReader atv;
      std::span<const uint8_t> type;
      std::string value;
      if (!rdn.ReadSequence(&atv) || !atv.ReadOid(&type) ||
          !(atv.ReadUtf8String(&value) || atv.ReadPrintableString(&value)) ||
          !atv.Done()) {
        return false;
      }
      out->emplace_back(*OidToText(type), value);
    }
  }
  return true;
}

// AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }
// (RFC 5280 §4.1.1.2); parameters absent in everything these files use, or
// NULL, or an OID (named curve).
bool ParseAlgorithm(DerReader& r, std::string* out) {
  DerReader alg;
  std::span<const uint8_t> oid, curve;
  if (!r.ReadSequence(&alg) || !alg.ReadOid(&oid)) return false;
  *out = *OidToText(oid);
  if (alg.PeekTagIs(kDerNull)) return alg.ReadNull() && alg.Done();
  if (alg.PeekTagIs(kDerOid)) {
    if (!alg.ReadOid(&curve)) return false;
    *out += "/" + *OidToText(curve);
  }
  return alg.Done();
}

// RFC 5280 §4.1:
// Certificate ::= SEQUENCE { tbsCertificate TBSCertificate,
//     signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
// TBSCertificate ::= SEQUENCE {
//     version [0] EXPLICIT Version DEFAULT v1,
//     serialNumber CertificateSerialNumber,
//     signature AlgorithmIdentifier,
//     issuer Name,
//     validity Validity,
//     subject Name,
//     subjectPublicKeyInfo SubjectPublicKeyInfo,
//     issuerUniqueID [1] IMPLICIT UniqueIdentifier OPTIONAL,
//     subjectUniqueID [2] IMPLICIT UniqueIdentifier OPTIONAL,
//     extensions [3] EXPLICIT Extensions OPTIONAL }
std::optional<Certificate> ParseCertificate(std::span<const uint8_t> der) {
  Certificate cert;
  DerReader r(der), c, tbs, version, validity, spki, exts_wrapper, exts;
  std::span<const uint8_t> tbs_bytes, serial, key, sig, unique_id;
  bool has_version, has_exts, has_unique_id;
  std::string tbs_signature;
  if (!r.ReadSequence(&c) || !r.Done() ||
      !c.ReadFullElement(kDerSequence, &tbs_bytes) ||
      !ParseAlgorithm(c, &cert.signature_algorithm) ||
      !c.ReadByteAlignedBitString(&sig) || !c.Done()) {
    return std::nullopt;
  }
  cert.tbs = ToVector(tbs_bytes);
  cert.signature = ToVector(sig);
  if (!DerReader(tbs_bytes).ReadSequence(&tbs) ||
      !tbs.ReadOptionalElementWithDefault(DerExplicitTag(0), FromHex("020100"),
                                          &version, &has_version) ||
      !tbs.ReadUnsignedInteger(&serial) ||
      !ParseAlgorithm(tbs, &tbs_signature) ||
      tbs_signature != cert.signature_algorithm ||
      !ParseName(tbs, &cert.issuer) || !tbs.ReadSequence(&validity) ||
      !validity.ReadTime(&cert.not_before) ||
      !validity.ReadTime(&cert.not_after) || !validity.Done() ||
      !ParseName(tbs, &cert.subject) || !tbs.ReadSequence(&spki) ||
      !ParseAlgorithm(spki, &cert.key_algorithm) ||
      !spki.ReadByteAlignedBitString(&key) || !spki.Done() ||
      !tbs.ReadOptionalElement(DerImplicitTag(1), &unique_id, &has_unique_id) ||
      has_unique_id ||
      !tbs.ReadOptionalElement(DerImplicitTag(2), &unique_id, &has_unique_id) ||
      has_unique_id ||
      !tbs.ReadOptionalElement(DerExplicitTag(3), &exts_wrapper, &has_exts) ||
      !tbs.Done()) {
    return std::nullopt;
  }
  cert.version = 0;
  if (has_version && (!version.ReadUint64(&cert.version) || !version.Done())) {
    return std::nullopt;
  }
  cert.serial = ToVector(serial);
  cert.public_key = ToVector(key);
  if (has_exts) {
    // Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
    if (!exts_wrapper.ReadSequence(&exts) || !exts_wrapper.Done() ||
        exts.Done()) {
      return std::nullopt;
    }
    while (!exts.Done()) {
      DerReader ext;
      std::span<const uint8_t> id, value;
      Extension e;
      if (!exts.ReadSequence(&ext) || !ext.ReadOid(&id) ||
          !ext.ReadOptionalBool(false, &e.critical) ||
          !ext.ReadOctetString(&value) || !ext.Done()) {
        return std::nullopt;
      }
      e.id = *OidToText(id);
      e.value = ToVector(value);
      cert.extensions.push_back(std::move(e));
    }
  }
  return cert;
}

// Parses a PEM file, checks the certificate walks to its end, and that the
// element-by-element re-encoding gives the same bytes.
std::optional<Certificate> LoadCertificate(const std::string& name) {
  std::string pem = ReadTestFile("refdata/" + name);
  Result<std::vector<uint8_t>> der = PemDecode(pem, kPemCertificate);
  EXPECT_TRUE(der.ok()) << name << ": " << der.error().ToString();
  if (!der.ok()) return std::nullopt;

  DerReader r(*der);
  DerBuilder b;
  EXPECT_TRUE(Reencode(r, b)) << name;
  Result<std::vector<uint8_t>> again = std::move(b).Finish();
  EXPECT_TRUE(again.ok() && *again == *der) << name;

  // Every truncation fails, at the top level.
  for (size_t n = 0; n < der->size(); n += 7) {
    EXPECT_FALSE(ParseCertificate(std::span(*der).first(n))) << name << n;
  }
  return ParseCertificate(*der);
}

TEST(DerCertificateTest, ReferenceCaCertificate) {
  std::optional<Certificate> cert = LoadCertificate("ca_cert.pem");
  ASSERT_TRUE(cert.has_value());
  EXPECT_EQ(cert->version, 2u);  // v3
  EXPECT_EQ(HexEncode(cert->serial), "01");
  // RFC 9925 unsigned certificate: id-alg-unsigned, empty signature.
  EXPECT_EQ(cert->signature_algorithm, "1.3.6.1.5.5.7.6.36");
  EXPECT_TRUE(cert->signature.empty());
  ASSERT_EQ(cert->issuer.size(), 1u);
  EXPECT_EQ(cert->issuer[0].first, "1.3.6.1.5.5.7.25.1");
  EXPECT_EQ(cert->issuer[0].second, "");
  ASSERT_EQ(cert->subject.size(), 1u);
  EXPECT_EQ(cert->subject[0].first, "1.3.6.1.4.1.44363.47.1");
  EXPECT_EQ(cert->subject[0].second, "32473.1");
  EXPECT_EQ(cert->not_before, 1577836800);  // 2020-01-01T00:00:00Z
  EXPECT_EQ(cert->not_after, 1924991999);   // 2030-12-31T23:59:59Z
  EXPECT_EQ(cert->key_algorithm, "2.16.840.1.101.3.4.3.17");  // ML-DSA-44
  EXPECT_EQ(cert->public_key.size(), 1312u);
  ASSERT_EQ(cert->extensions.size(), 3u);
  EXPECT_EQ(cert->extensions[0].id, "2.5.29.15");
  EXPECT_EQ(cert->extensions[1].id, "2.5.29.19");
  EXPECT_EQ(cert->extensions[2].id, "1.3.6.1.4.1.44363.47.2");
  for (const Extension& e : cert->extensions) EXPECT_TRUE(e.critical) << e.id;

  // KeyUsage ::= BIT STRING { ..., keyCertSign (5), ... }
  DerReader ku(cert->extensions[0].value);
  std::span<const uint8_t> bits;
  uint8_t unused;
  ASSERT_TRUE(ku.ReadBitString(&bits, &unused) && ku.Done());
  EXPECT_EQ(HexEncode(bits), "04");
  EXPECT_EQ(unused, 2);

  // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE,
  //     pathLenConstraint INTEGER (0..MAX) OPTIONAL }
  DerReader bc(cert->extensions[1].value), bc_seq;
  bool ca;
  ASSERT_TRUE(bc.ReadSequence(&bc_seq) && bc.Done() &&
              bc_seq.ReadOptionalBool(false, &ca) && bc_seq.Done());
  EXPECT_TRUE(ca);

  // MTCCertificationAuthority ::= SEQUENCE { logHash AlgorithmIdentifier,
  //     sigAlg AlgorithmIdentifier, minSerial INTEGER, maxSerial INTEGER }
  // (draft-ietf-plants-merkle-tree-certs §5.5)
  DerReader mtc(cert->extensions[2].value), mtc_seq;
  std::string log_hash, sig_alg;
  uint64_t min_serial, max_serial;
  ASSERT_TRUE(mtc.ReadSequence(&mtc_seq) && mtc.Done() &&
              ParseAlgorithm(mtc_seq, &log_hash) &&
              ParseAlgorithm(mtc_seq, &sig_alg) &&
              mtc_seq.ReadUint64(&min_serial) &&
              mtc_seq.ReadUint64(&max_serial) && mtc_seq.Done());
  EXPECT_EQ(log_hash, "2.16.840.1.101.3.4.2.1");  // SHA-256
  EXPECT_EQ(sig_alg, "2.16.840.1.101.3.4.3.17");
  EXPECT_EQ(min_serial, uint64_t{1} << 48);
  EXPECT_EQ(max_serial, 0x05ffffffffffffu);
}

TEST(DerCertificateTest, ReferenceMtcCertificate) {
  std::optional<Certificate> cert = LoadCertificate("cert_10_0.pem");
  ASSERT_TRUE(cert.has_value());
  EXPECT_EQ(cert->version, 2u);
  EXPECT_EQ(HexEncode(cert->serial), "0100000000000a");  // log 1, index 10
  EXPECT_EQ(cert->signature_algorithm, "1.3.6.1.4.1.44363.47.0");
  EXPECT_EQ(cert->tbs.size(), 271u);
  EXPECT_EQ(HexEncode(std::span(cert->tbs).first(4)), "3082010b");
  EXPECT_EQ(cert->signature.size(), 5873u);
  ASSERT_EQ(cert->issuer.size(), 1u);
  EXPECT_EQ(cert->issuer[0].second, "32473.1");
  EXPECT_TRUE(cert->subject.empty());
  EXPECT_EQ(cert->not_before, 1577836800);
  EXPECT_EQ(cert->not_after, 1924991999);
  EXPECT_EQ(cert->key_algorithm, "1.2.840.10045.2.1/1.2.840.10045.3.1.7");
  EXPECT_EQ(cert->public_key.size(), 65u);
  ASSERT_EQ(cert->extensions.size(), 3u);
  EXPECT_EQ(cert->extensions[0].id, "2.5.29.15");
  EXPECT_EQ(cert->extensions[1].id, "2.5.29.37");
  EXPECT_EQ(cert->extensions[2].id, "2.5.29.17");

  // ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId
  DerReader eku(cert->extensions[1].value), purposes;
  std::span<const uint8_t> purpose;
  ASSERT_TRUE(eku.ReadSequence(&purposes) && eku.Done() &&
              purposes.ReadOid(&purpose) && purposes.Done());
  EXPECT_EQ(*OidToText(purpose), "1.3.6.1.5.5.7.3.1");  // id-kp-serverAuth

  // SubjectAltName ::= GeneralNames; GeneralName ::= CHOICE { ...,
  //     dNSName [2] IA5String, ... } (IMPLICIT tags, RFC 5280 Appendix A.2)
  DerReader san(cert->extensions[2].value), names;
  ASSERT_TRUE(san.ReadSequence(&names) && san.Done());
  std::vector<std::string> dns;
  while (!names.Done()) {
    std::string name;
    ASSERT_TRUE(names.ReadIa5String(&name, DerImplicitTag(2)));
    dns.push_back(name);
  }
  EXPECT_EQ(dns, (std::vector<std::string>{"b.example", "*.blah.b.example"}));

  // The builder can put the TBSCertificate back as a raw element.
  std::vector<uint8_t> rebuilt = Build([&](DerBuilder& b) {
    b.AddSequence([&](DerBuilder& c) {
      c.AddRawElement(cert->tbs);
      c.AddSequence(
          [](DerBuilder& alg) { alg.AddOid("1.3.6.1.4.1.44363.47.0"); });
      c.AddBitString(cert->signature);
    });
  });
  Result<std::vector<uint8_t>> der =
      PemDecode(ReadTestFile("refdata/cert_10_0.pem"), kPemCertificate);
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(rebuilt, *der);
}

}  // namespace
}  // namespace mtc::wire
