// AcmeStore: the ACME server's durable state (docs/design.md §6): accounts,
// orders, authorizations, challenges and certificates. SQLite (WAL) in the
// CA directory is the embedded default; PostgreSQL lets several `mtc ca serve`
// processes share one CA. One conformance test suite runs against both.
//
// Every method is one transaction. Methods that move a resource from one
// status to another take the expected current status and fail with
// kConflict when another request moved it first (compare-and-swap), so two
// processes never both act on one order. Thread-safe.
#ifndef MTC_ACME_ACME_STORE_H_
#define MTC_ACME_ACME_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::acme {

// Times are Unix seconds (int64). IDs are opaque URL-safe strings the server
// makes (random, 128 bits, base64url); they appear in resource URLs.

enum class AccountStatus { kValid, kDeactivated, kRevoked };  // RFC 8555 §7.1.6

struct Account {
  std::string id;
  std::string jwk_json;    // the account key's canonical JWK (RFC 7638 §3)
  std::string thumbprint;  // RFC 7638, unique among accounts
  AccountStatus status = AccountStatus::kValid;
  std::vector<std::string> contact;
  bool terms_agreed = false;
  std::string eab_kid;  // external account binding key ID, empty if none
  int64_t created_at = 0;
};

struct Identifier {
  std::string type;   // "dns" or "ip" (RFC 8738)
  std::string value;  // a wildcard keeps its "*." here
  friend bool operator==(const Identifier&, const Identifier&) = default;
};

enum class OrderStatus { kPending, kReady, kProcessing, kValid, kInvalid };

struct Order {
  std::string id;
  std::string account_id;
  OrderStatus status = OrderStatus::kPending;
  int64_t expires = 0;
  std::vector<Identifier> identifiers;
  std::vector<std::string> authorization_ids;  // same order as identifiers
  int64_t not_before = 0;                      // 0: not requested
  int64_t not_after = 0;
  std::string profile;         // empty: the default profile
  std::string error_json;      // problem document once invalid, else empty
  std::string certificate_id;  // once valid
  int64_t created_at = 0;
  // RFC 9773 §5 "replaces": the certificate ID as the client sent it (the
  // order reflects it), and the certificate (CertificateRecord::id) it
  // names; both empty when the order replaces nothing.
  std::string replaces;
  std::string replaces_certificate_id;
};

enum class AuthorizationStatus {
  kPending,
  kValid,
  kInvalid,
  kDeactivated,
  kExpired,
  kRevoked
};
enum class ChallengeStatus { kPending, kProcessing, kValid, kInvalid };

struct Challenge {
  std::string id;
  std::string authorization_id;
  std::string type;   // "http-01", "dns-01", "tls-alpn-01"
  std::string token;  // base64url, 128 bits of entropy at least (§8.1)
  ChallengeStatus status = ChallengeStatus::kPending;
  int64_t validated = 0;   // when it turned valid
  std::string error_json;  // problem document once invalid
};

struct Authorization {
  std::string id;
  std::string account_id;
  Identifier identifier;  // without "*." (RFC 8555 §7.1.4); see wildcard
  bool wildcard = false;
  AuthorizationStatus status = AuthorizationStatus::kPending;
  int64_t expires = 0;
  std::vector<Challenge> challenges;
};

struct CertificateRecord {
  std::string id;  // in the certificate URL
  std::string order_id;
  std::string account_id;
  uint32_t log_number = 0;
  uint64_t index = 0;              // the entry's index in that log
  std::string serial_hex;          // lower-case hex of the certificate serial
  std::string standalone_pem;      // the chain served by default
  std::vector<uint8_t> tbs_entry;  // the TBSCertificateLogEntry (DER)
  std::vector<uint8_t>
      spki_sha256;  // of the subject public key, for revokeCert
  int64_t not_before = 0;
  int64_t not_after = 0;
  bool revoked = false;
  int revocation_reason = 0;  // RFC 5280 §5.3.1 CRLReason
  int64_t revoked_at = 0;
};

class AcmeStore {
 public:
  virtual ~AcmeStore() = default;

  // Accounts. CreateAccount fails with kConflict when the thumbprint is
  // taken, or when the account has an eab_kid that another account has
  // (RFC 8555 §7.3.4: one ACME account per external account key).
  virtual Status CreateAccount(const Account& account) = 0;
  virtual Result<std::optional<Account>> GetAccount(const std::string& id) = 0;
  virtual Result<std::optional<Account>> FindAccountByThumbprint(
      const std::string& thumbprint) = 0;
  // Contact, terms and status (deactivation is final: kConflict after it).
  virtual Status UpdateAccount(const Account& account) = 0;
  // RFC 8555 §7.3.5: kConflict when the new key belongs to another account.
  virtual Status ChangeAccountKey(const std::string& account_id,
                                  const std::string& new_jwk_json,
                                  const std::string& new_thumbprint) = 0;

  // Orders with their new authorizations (and their challenges), atomically.
  // `new_authorizations` are those the order does not reuse. An order that
  // replaces a certificate (RFC 9773 §5) fails with kConflict when another
  // order that is not invalid replaces it already, and kInvalidArgument when
  // the certificate does not exist or is another account's.
  virtual Status CreateOrder(
      const Order& order,
      const std::vector<Authorization>& new_authorizations) = 0;
  virtual Result<std::optional<Order>> GetOrder(const std::string& id) = 0;
  // Moves an order from `from` to `updated.status`, writing error_json /
  // certificate_id as given; kConflict if it is no longer in `from`.
  virtual Status UpdateOrder(const Order& updated, OrderStatus from) = 0;
  // Orders of an account, newest first, at most `limit` (RFC 8555 §7.1.2.1).
  virtual Result<std::vector<std::string>> ListOrderIds(
      const std::string& account_id, size_t limit) = 0;

  virtual Result<std::optional<Authorization>> GetAuthorization(
      const std::string& id) = 0;
  // A valid, unexpired (at `now`) authorization of the account for exactly
  // this identifier and wildcard flag, for reuse; the newest one.
  virtual Result<std::optional<Authorization>> FindValidAuthorization(
      const std::string& account_id, const Identifier& identifier,
      bool wildcard, int64_t now) = 0;
  // Moves an authorization from `from` (status only).
  virtual Status UpdateAuthorizationStatus(const std::string& id,
                                           AuthorizationStatus from,
                                           AuthorizationStatus to) = 0;
  virtual Result<std::optional<Challenge>> GetChallenge(
      const std::string& id) = 0;
  // Moves a challenge from `from` to `updated.status` with its fields; when it
  // turns valid or invalid, its authorization turns valid or invalid in the
  // same transaction (RFC 8555 §7.1.6).
  virtual Status UpdateChallenge(const Challenge& updated,
                                 ChallengeStatus from) = 0;

  // Issuance: stores the certificate and moves its order from processing to
  // valid in one transaction (docs/design.md §5: the index is recorded with
  // the order's move).
  virtual Status PutCertificate(const CertificateRecord& certificate) = 0;
  virtual Result<std::optional<CertificateRecord>> GetCertificate(
      const std::string& id) = 0;
  virtual Result<std::optional<CertificateRecord>> FindCertificateBySerial(
      const std::string& serial_hex) = 0;
  // kConflict when already revoked (RFC 8555 §7.6: alreadyRevoked).
  virtual Status RevokeCertificate(const std::string& id, int reason,
                                   int64_t at) = 0;
  // Revoked certificates, for the published revocation list.
  virtual Result<std::vector<CertificateRecord>> ListRevoked() = 0;
};

}  // namespace mtc::acme

#endif  // MTC_ACME_ACME_STORE_H_
