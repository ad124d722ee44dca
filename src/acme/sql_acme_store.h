// AcmeStore on a SQL database (log/sql_database.h): the one implementation
// of the store's rules, which SqliteAcmeStore and PostgresAcmeStore run on
// their databases.
//
// Every method is one transaction. Each compare-and-swap is one conditional
// UPDATE (`... WHERE id = $1 AND status = $from`): on SQLite writers are
// serialized by BEGIN IMMEDIATE; on PostgreSQL (READ COMMITTED) a second
// writer of the same row waits for the first and then re-checks the WHERE
// clause against the committed row, so exactly one of them moves it. Unique
// columns (account thumbprint, certificate serial, a log entry) are
// enforced by the database, so a lost race is kConflict there too.
//
// Rules beyond the header's:
// - an account that is not valid (deactivated or revoked) can be neither
//   updated nor given a new key: kConflict;
// - CreateOrder checks that authorization i exists, belongs to the order's
//   account and is for identifier i (RFC 8555 §7.1.4: without "*.", with
//   the wildcard flag): kInvalidArgument otherwise; orders, authorizations
//   and certificates must name an existing account;
// - UpdateChallenge to valid/invalid needs its authorization pending
//   (§7.1.6), else kConflict and nothing changes;
// - PutCertificate needs the certificate's account to be its order's, and
//   at most one certificate per order and per (log, index);
// - an account's eab_kid (when set) and an order's replaced certificate
//   (while the order is not invalid) are unique, by index too;
// - a missing resource is kNotFound.
#ifndef MTC_ACME_SQL_ACME_STORE_H_
#define MTC_ACME_SQL_ACME_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "acme/acme_store.h"
#include "log/sql_database.h"
#include "mtc/base/result.h"

namespace mtc::acme {

class SqlAcmeStore : public AcmeStore {
 public:
  // Schema version of the tables below (component "acme" of mtc_schema).
  // Version 2 added orders.replaces (RFC 9773 §5) and the unique indexes on
  // replaced certificates and external account key IDs.
  static constexpr int64_t kSchemaVersion = 2;

  // Creates the schema if the database has none and brings a version 1
  // database to version 2; kUnsupported for another schema version.
  static Result<std::unique_ptr<SqlAcmeStore>> Open(
      std::unique_ptr<log::SqlDatabase> db);

  Status CreateAccount(const Account& account) override;
  Result<std::optional<Account>> GetAccount(const std::string& id) override;
  Result<std::optional<Account>> FindAccountByThumbprint(
      const std::string& thumbprint) override;
  Status UpdateAccount(const Account& account) override;
  Status ChangeAccountKey(const std::string& account_id,
                          const std::string& new_jwk_json,
                          const std::string& new_thumbprint) override;

  Status CreateOrder(
      const Order& order,
      const std::vector<Authorization>& new_authorizations) override;
  Result<std::optional<Order>> GetOrder(const std::string& id) override;
  Status UpdateOrder(const Order& updated, OrderStatus from) override;
  Result<std::vector<std::string>> ListOrderIds(const std::string& account_id,
                                                size_t limit) override;

  Result<std::optional<Authorization>> GetAuthorization(
      const std::string& id) override;
  Result<std::optional<Authorization>> FindValidAuthorization(
      const std::string& account_id, const Identifier& identifier,
      bool wildcard, int64_t now) override;
  Status UpdateAuthorizationStatus(const std::string& id,
                                   AuthorizationStatus from,
                                   AuthorizationStatus to) override;
  Result<std::optional<Challenge>> GetChallenge(const std::string& id) override;
  Status UpdateChallenge(const Challenge& updated,
                         ChallengeStatus from) override;

  Status PutCertificate(const CertificateRecord& certificate) override;
  Result<std::optional<CertificateRecord>> GetCertificate(
      const std::string& id) override;
  Result<std::optional<CertificateRecord>> FindCertificateBySerial(
      const std::string& serial_hex) override;
  Status RevokeCertificate(const std::string& id, int reason,
                           int64_t at) override;
  Result<std::vector<CertificateRecord>> ListRevoked() override;

 protected:
  explicit SqlAcmeStore(std::unique_ptr<log::SqlDatabase> db);

  // Creates the schema in `db` if it has none; kUnsupported for another
  // version.
  static Status PrepareSchema(log::SqlDatabase& db);

 private:
  std::unique_ptr<log::SqlDatabase> db_;  // thread-safe itself
};

}  // namespace mtc::acme

#endif  // MTC_ACME_SQL_ACME_STORE_H_
