#include "acme/sql_acme_store.h"

#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "mtc/base/utf8.h"

namespace mtc::acme {

using log::SqlDatabase;
using log::SqlDialect;
using log::SqlMode;
using log::SqlRow;
using log::SqlTransaction;
using log::SqlValue;

namespace {

// Statuses are stored as their RFC 8555 §7.1 names, so the tables read as
// the protocol does.
template <typename Enum, size_t N>
struct Names {
  std::array<std::string_view, N> names;

  std::string ToText(Enum value) const {
    return std::string(names[static_cast<size_t>(value)]);
  }
  Result<Enum> Parse(std::string_view text) const {
    for (size_t i = 0; i < N; i++) {
      if (names[i] == text) return static_cast<Enum>(i);
    }
    return Error(ErrorCode::kInternal,
                 "stored status \"" + std::string(text) + "\" is unknown");
  }
};

constexpr Names<AccountStatus, 3> kAccountStatus{
    {"valid", "deactivated", "revoked"}};
constexpr Names<OrderStatus, 5> kOrderStatus{
    {"pending", "ready", "processing", "valid", "invalid"}};
constexpr Names<AuthorizationStatus, 6> kAuthorizationStatus{
    {"pending", "valid", "invalid", "deactivated", "expired", "revoked"}};
constexpr Names<ChallengeStatus, 4> kChallengeStatus{
    {"pending", "processing", "valid", "invalid"}};

// The schema, in the types of either dialect (log::SchemaForDialect); seq
// is the order of creation, for "newest first".
constexpr std::string_view kSchemaTemplate = R"sql(
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  jwk_json TEXT NOT NULL,
  thumbprint TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  contact TEXT NOT NULL,
  terms_agreed ${int} NOT NULL,
  eab_kid TEXT NOT NULL,
  created_at ${int} NOT NULL
);
CREATE TABLE orders (
  seq ${seq},
  id TEXT NOT NULL UNIQUE,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  status TEXT NOT NULL,
  expires ${int} NOT NULL,
  identifiers TEXT NOT NULL,
  authorization_ids TEXT NOT NULL,
  not_before ${int} NOT NULL,
  not_after ${int} NOT NULL,
  profile TEXT NOT NULL,
  error_json TEXT NOT NULL,
  certificate_id TEXT NOT NULL,
  created_at ${int} NOT NULL,
  replaces TEXT NOT NULL DEFAULT '',
  replaces_certificate_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX orders_of_account ON orders (account_id, seq);
${replacing_index};
${eab_kid_index};
CREATE TABLE authorizations (
  seq ${seq},
  id TEXT NOT NULL UNIQUE,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  identifier_type TEXT NOT NULL,
  identifier_value TEXT NOT NULL,
  wildcard ${int} NOT NULL,
  status TEXT NOT NULL,
  expires ${int} NOT NULL
);
CREATE INDEX authorizations_for_reuse ON authorizations
  (account_id, identifier_type, identifier_value, wildcard, status);
CREATE TABLE challenges (
  id TEXT PRIMARY KEY,
  authorization_id TEXT NOT NULL REFERENCES authorizations (id),
  position ${int} NOT NULL,
  type TEXT NOT NULL,
  token TEXT NOT NULL,
  status TEXT NOT NULL,
  validated ${int} NOT NULL,
  error_json TEXT NOT NULL,
  UNIQUE (authorization_id, position)
);
CREATE TABLE certificates (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL UNIQUE REFERENCES orders (id),
  account_id TEXT NOT NULL REFERENCES accounts (id),
  log_number ${int} NOT NULL,
  entry_index ${int} NOT NULL,
  serial_hex TEXT NOT NULL UNIQUE,
  standalone_pem TEXT NOT NULL,
  tbs_entry ${blob} NOT NULL,
  spki_sha256 ${blob} NOT NULL,
  not_before ${int} NOT NULL,
  not_after ${int} NOT NULL,
  revoked ${int} NOT NULL,
  revocation_reason ${int} NOT NULL,
  revoked_at ${int} NOT NULL,
  UNIQUE (log_number, entry_index)
);
CREATE INDEX certificates_revoked ON certificates (revoked_at)
  WHERE revoked = 1;
)sql";

// RFC 9773 §5: a certificate is replaced by at most one order that is not
// invalid; RFC 8555 §7.3.4: an external account key binds one account. The
// database enforces both, so that concurrent requests cannot both pass.
constexpr std::string_view kReplacingIndex =
    "CREATE UNIQUE INDEX orders_replacing ON orders (replaces_certificate_id) "
    "WHERE replaces_certificate_id <> '' AND status <> 'invalid'";
constexpr std::string_view kEabKidIndex =
    "CREATE UNIQUE INDEX accounts_eab_kid ON accounts (eab_kid) "
    "WHERE eab_kid <> ''";

// Version 1 had neither "replaces" nor the indexes above. Its databases are
// brought to version 2 in place (PrepareSchema).
constexpr std::string_view kMigrationFrom1 =
    "ALTER TABLE orders ADD COLUMN replaces TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE orders ADD COLUMN replaces_certificate_id TEXT NOT NULL "
    "DEFAULT ''";

std::string Schema(SqlDialect dialect) {
  std::string schema = log::SchemaForDialect(kSchemaTemplate, dialect);
  for (auto [placeholder, text] :
       {std::pair{std::string_view("${replacing_index}"), kReplacingIndex},
        std::pair{std::string_view("${eab_kid_index}"), kEabKidIndex}}) {
    size_t at = schema.find(placeholder);
    schema.replace(at, placeholder.size(), text);
  }
  return schema;
}

// Lists are stored as JSON arrays. JSON holds only UTF-8 (and
// nlohmann::json would throw on anything else).
Status CheckUtf8(const std::string& s, std::string_view what) {
  if (IsValidUtf8(s)) return OkStatus();
  return Error(ErrorCode::kInvalidArgument,
               std::string(what) + " is not valid UTF-8");
}

Result<std::string> StringsToJson(const std::vector<std::string>& strings,
                                  std::string_view what) {
  for (const std::string& s : strings) MTC_RETURN_IF_ERROR(CheckUtf8(s, what));
  return nlohmann::json(strings).dump();
}

Result<nlohmann::json> ParseStoredJson(const std::string& text,
                                       std::string_view what) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_array()) {
    return Error(ErrorCode::kInternal,
                 "stored " + std::string(what) + " is not a JSON array");
  }
  return json;
}

Result<std::vector<std::string>> StringsFromJson(const std::string& text,
                                                 std::string_view what) {
  MTC_ASSIGN_OR_RETURN(nlohmann::json json, ParseStoredJson(text, what));
  std::vector<std::string> out;
  for (const nlohmann::json& item : json) {
    if (!item.is_string()) {
      return Error(ErrorCode::kInternal,
                   "stored " + std::string(what) + " holds a non-string");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::string> IdentifiersToJson(
    const std::vector<Identifier>& identifiers) {
  nlohmann::json json = nlohmann::json::array();
  for (const Identifier& id : identifiers) {
    MTC_RETURN_IF_ERROR(CheckUtf8(id.type, "identifier type"));
    MTC_RETURN_IF_ERROR(CheckUtf8(id.value, "identifier value"));
    json.push_back({{"type", id.type}, {"value", id.value}});
  }
  return json.dump();
}

Result<std::vector<Identifier>> IdentifiersFromJson(const std::string& text) {
  MTC_ASSIGN_OR_RETURN(nlohmann::json json,
                       ParseStoredJson(text, "identifiers"));
  std::vector<Identifier> out;
  for (const nlohmann::json& item : json) {
    if (!item.is_object() || !item.contains("type") ||
        !item["type"].is_string() || !item.contains("value") ||
        !item["value"].is_string()) {
      return Error(ErrorCode::kInternal, "stored identifier is malformed");
    }
    out.push_back(Identifier{item["type"].get<std::string>(),
                             item["value"].get<std::string>()});
  }
  return out;
}

SqlValue Int(int64_t value) { return value; }
SqlValue U64(uint64_t value) { return static_cast<int64_t>(value); }
SqlValue Bool(bool value) { return int64_t{value ? 1 : 0}; }

// Columns, in the order the readers below expect them.
constexpr const char* kAccountColumns =
    "id, jwk_json, thumbprint, status, contact, terms_agreed, eab_kid, "
    "created_at";

Result<Account> ReadAccount(const SqlRow& row) {
  Account a;
  MTC_ASSIGN_OR_RETURN(a.id, row.Text(0));
  MTC_ASSIGN_OR_RETURN(a.jwk_json, row.Text(1));
  MTC_ASSIGN_OR_RETURN(a.thumbprint, row.Text(2));
  MTC_ASSIGN_OR_RETURN(std::string status, row.Text(3));
  MTC_ASSIGN_OR_RETURN(a.status, kAccountStatus.Parse(status));
  MTC_ASSIGN_OR_RETURN(std::string contact, row.Text(4));
  MTC_ASSIGN_OR_RETURN(a.contact, StringsFromJson(contact, "contact"));
  MTC_ASSIGN_OR_RETURN(int64_t terms, row.Int(5));
  a.terms_agreed = terms != 0;
  MTC_ASSIGN_OR_RETURN(a.eab_kid, row.Text(6));
  MTC_ASSIGN_OR_RETURN(a.created_at, row.Int(7));
  return a;
}

constexpr const char* kOrderColumns =
    "id, account_id, status, expires, identifiers, authorization_ids, "
    "not_before, not_after, profile, error_json, certificate_id, created_at, "
    "replaces, replaces_certificate_id";

Result<Order> ReadOrder(const SqlRow& row) {
  Order o;
  MTC_ASSIGN_OR_RETURN(o.id, row.Text(0));
  MTC_ASSIGN_OR_RETURN(o.account_id, row.Text(1));
  MTC_ASSIGN_OR_RETURN(std::string status, row.Text(2));
  MTC_ASSIGN_OR_RETURN(o.status, kOrderStatus.Parse(status));
  MTC_ASSIGN_OR_RETURN(o.expires, row.Int(3));
  MTC_ASSIGN_OR_RETURN(std::string identifiers, row.Text(4));
  MTC_ASSIGN_OR_RETURN(o.identifiers, IdentifiersFromJson(identifiers));
  MTC_ASSIGN_OR_RETURN(std::string authorization_ids, row.Text(5));
  MTC_ASSIGN_OR_RETURN(o.authorization_ids,
                       StringsFromJson(authorization_ids, "authorization_ids"));
  MTC_ASSIGN_OR_RETURN(o.not_before, row.Int(6));
  MTC_ASSIGN_OR_RETURN(o.not_after, row.Int(7));
  MTC_ASSIGN_OR_RETURN(o.profile, row.Text(8));
  MTC_ASSIGN_OR_RETURN(o.error_json, row.Text(9));
  MTC_ASSIGN_OR_RETURN(o.certificate_id, row.Text(10));
  MTC_ASSIGN_OR_RETURN(o.created_at, row.Int(11));
  MTC_ASSIGN_OR_RETURN(o.replaces, row.Text(12));
  MTC_ASSIGN_OR_RETURN(o.replaces_certificate_id, row.Text(13));
  return o;
}

constexpr const char* kAuthorizationColumns =
    "id, account_id, identifier_type, identifier_value, wildcard, status, "
    "expires";

Result<Authorization> ReadAuthorization(const SqlRow& row) {
  Authorization a;
  MTC_ASSIGN_OR_RETURN(a.id, row.Text(0));
  MTC_ASSIGN_OR_RETURN(a.account_id, row.Text(1));
  MTC_ASSIGN_OR_RETURN(a.identifier.type, row.Text(2));
  MTC_ASSIGN_OR_RETURN(a.identifier.value, row.Text(3));
  MTC_ASSIGN_OR_RETURN(int64_t wildcard, row.Int(4));
  a.wildcard = wildcard != 0;
  MTC_ASSIGN_OR_RETURN(std::string status, row.Text(5));
  MTC_ASSIGN_OR_RETURN(a.status, kAuthorizationStatus.Parse(status));
  MTC_ASSIGN_OR_RETURN(a.expires, row.Int(6));
  return a;
}

constexpr const char* kChallengeColumns =
    "id, authorization_id, type, token, status, validated, error_json";

Result<Challenge> ReadChallenge(const SqlRow& row) {
  Challenge c;
  MTC_ASSIGN_OR_RETURN(c.id, row.Text(0));
  MTC_ASSIGN_OR_RETURN(c.authorization_id, row.Text(1));
  MTC_ASSIGN_OR_RETURN(c.type, row.Text(2));
  MTC_ASSIGN_OR_RETURN(c.token, row.Text(3));
  MTC_ASSIGN_OR_RETURN(std::string status, row.Text(4));
  MTC_ASSIGN_OR_RETURN(c.status, kChallengeStatus.Parse(status));
  MTC_ASSIGN_OR_RETURN(c.validated, row.Int(5));
  MTC_ASSIGN_OR_RETURN(c.error_json, row.Text(6));
  return c;
}

constexpr const char* kCertificateColumns =
    "id, order_id, account_id, log_number, entry_index, serial_hex, "
    "standalone_pem, tbs_entry, spki_sha256, not_before, not_after, revoked, "
    "revocation_reason, revoked_at";

Result<CertificateRecord> ReadCertificate(const SqlRow& row) {
  CertificateRecord c;
  MTC_ASSIGN_OR_RETURN(c.id, row.Text(0));
  MTC_ASSIGN_OR_RETURN(c.order_id, row.Text(1));
  MTC_ASSIGN_OR_RETURN(c.account_id, row.Text(2));
  MTC_ASSIGN_OR_RETURN(int64_t log_number, row.Int(3));
  if (log_number < 0 || log_number > std::numeric_limits<uint32_t>::max()) {
    return Error(
        ErrorCode::kInternal,
        "stored log number " + std::to_string(log_number) + " is out of range");
  }
  c.log_number = static_cast<uint32_t>(log_number);
  MTC_ASSIGN_OR_RETURN(c.index, row.U64(4));
  MTC_ASSIGN_OR_RETURN(c.serial_hex, row.Text(5));
  MTC_ASSIGN_OR_RETURN(c.standalone_pem, row.Text(6));
  MTC_ASSIGN_OR_RETURN(c.tbs_entry, row.Blob(7));
  MTC_ASSIGN_OR_RETURN(c.spki_sha256, row.Blob(8));
  MTC_ASSIGN_OR_RETURN(c.not_before, row.Int(9));
  MTC_ASSIGN_OR_RETURN(c.not_after, row.Int(10));
  MTC_ASSIGN_OR_RETURN(int64_t revoked, row.Int(11));
  c.revoked = revoked != 0;
  MTC_ASSIGN_OR_RETURN(int64_t reason, row.Int(12));
  c.revocation_reason = static_cast<int>(reason);
  MTC_ASSIGN_OR_RETURN(c.revoked_at, row.Int(13));
  return c;
}

// Reads at most one row of `sql` with `reader`.
template <typename T, typename Reader>
Result<std::optional<T>> SelectOne(SqlTransaction& tx, const std::string& sql,
                                   std::initializer_list<SqlValue> params,
                                   Reader reader) {
  MTC_ASSIGN_OR_RETURN(std::optional<SqlRow> row, tx.QueryOne(sql, params));
  if (!row.has_value()) return std::optional<T>();
  MTC_ASSIGN_OR_RETURN(T value, reader(*row));
  return std::optional<T>(std::move(value));
}

Result<std::vector<Challenge>> ReadChallengesOf(SqlTransaction& tx,
                                                const std::string& authz_id) {
  MTC_ASSIGN_OR_RETURN(
      std::vector<SqlRow> rows,
      tx.Query(std::string("SELECT ") + kChallengeColumns +
                   " FROM challenges WHERE authorization_id = $1 "
                   "ORDER BY position",
               {authz_id}));
  std::vector<Challenge> out;
  for (const SqlRow& row : rows) {
    MTC_ASSIGN_OR_RETURN(Challenge c, ReadChallenge(row));
    out.push_back(std::move(c));
  }
  return out;
}

// An authorization with its challenges, selected by `where` (whose first
// row is taken).
Result<std::optional<Authorization>> SelectAuthorization(
    SqlTransaction& tx, const std::string& where,
    std::initializer_list<SqlValue> params) {
  MTC_ASSIGN_OR_RETURN(
      std::optional<Authorization> authz,
      SelectOne<Authorization>(tx,
                               std::string("SELECT ") + kAuthorizationColumns +
                                   " FROM authorizations " + where,
                               params, ReadAuthorization));
  if (!authz.has_value()) return authz;
  MTC_ASSIGN_OR_RETURN(authz->challenges, ReadChallengesOf(tx, authz->id));
  return authz;
}

// After a conditional UPDATE of `table` moved no row: kNotFound if the row
// does not exist, else kConflict naming the state that stopped it.
Status NotMoved(SqlTransaction& tx, std::string_view table,
                std::string_view state_column, const std::string& id,
                std::string_view expected) {
  std::string sql = "SELECT " + std::string(state_column) + " FROM " +
                    std::string(table) + " WHERE id = $1";
  MTC_ASSIGN_OR_RETURN(std::optional<SqlRow> row, tx.QueryOne(sql, {id}));
  std::string what = std::string(table) + " " + id;
  if (!row.has_value()) return Error(ErrorCode::kNotFound, "no " + what);
  auto text = row->Text(0);
  auto number = row->Int(0);
  std::string state = text.ok()     ? *text
                      : number.ok() ? std::to_string(*number)
                                    : std::string("?");
  return Error(ErrorCode::kConflict,
               what + " has " + std::string(state_column) + " " + state +
                   ", not " + std::string(expected));
}

// The identifier an authorization for order identifier `id` names
// (RFC 8555 §7.1.4: the wildcard's "*." moves into the wildcard flag).
Identifier AuthorizationIdentifier(const Identifier& id, bool* wildcard) {
  constexpr std::string_view kWildcard = "*.";
  *wildcard = id.type == "dns" && id.value.starts_with(kWildcard);
  if (!*wildcard) return id;
  return Identifier{id.type, id.value.substr(kWildcard.size())};
}

// A version 1 database becomes version 2 in place, in the caller's kSchema
// transaction (which excludes other processes migrating it too); any other
// database is left to log::CreateOrCheckSchema.
Status MigrateFromVersion1(SqlTransaction& tx) {
  MTC_ASSIGN_OR_RETURN(std::optional<int64_t> version,
                       log::RecordedSchemaVersion(tx, "acme"));
  if (version != 1) return OkStatus();
  MTC_RETURN_IF_ERROR(tx.ExecuteScript(kMigrationFrom1));
  MTC_RETURN_IF_ERROR(tx.ExecuteScript(kReplacingIndex));
  MTC_RETURN_IF_ERROR(tx.ExecuteScript(kEabKidIndex));
  MTC_RETURN_IF_ERROR(
      tx.Execute("UPDATE mtc_schema SET version = 2 WHERE component = $1",
                 {std::string("acme")}));
  return OkStatus();
}

}  // namespace

Status SqlAcmeStore::PrepareSchema(SqlDatabase& db) {
  MTC_RETURN_IF_ERROR(db.InTransaction(SqlMode::kSchema, MigrateFromVersion1));
  return log::CreateOrCheckSchema(db, "acme", kSchemaVersion,
                                  Schema(db.dialect()));
}

Result<std::unique_ptr<SqlAcmeStore>> SqlAcmeStore::Open(
    std::unique_ptr<SqlDatabase> db) {
  MTC_RETURN_IF_ERROR(PrepareSchema(*db));
  return std::unique_ptr<SqlAcmeStore>(new SqlAcmeStore(std::move(db)));
}

SqlAcmeStore::SqlAcmeStore(std::unique_ptr<SqlDatabase> db)
    : db_(std::move(db)) {}

// Accounts.

Status SqlAcmeStore::CreateAccount(const Account& account) {
  return db_->InTransaction(SqlMode::kWrite, [&](SqlTransaction& tx) -> Status {
    MTC_ASSIGN_OR_RETURN(
        std::optional<SqlRow> holder,
        tx.QueryOne("SELECT id FROM accounts WHERE thumbprint = $1",
                    {account.thumbprint}));
    if (holder.has_value()) {
      return Error(ErrorCode::kConflict,
                   "an account with key " + account.thumbprint + " exists");
    }
    if (!account.eab_kid.empty()) {
      MTC_ASSIGN_OR_RETURN(
          std::optional<SqlRow> bound,
          tx.QueryOne("SELECT id FROM accounts WHERE eab_kid = $1",
                      {account.eab_kid}));
      if (bound.has_value()) {
        return Error(ErrorCode::kConflict, "external account key " +
                                               account.eab_kid +
                                               " is bound to an account");
      }
    }
    MTC_ASSIGN_OR_RETURN(std::string contact,
                         StringsToJson(account.contact, "contact"));
    // A racing insert of the same key that committed after the check above
    // fails on the UNIQUE column: kConflict too.
    MTC_RETURN_IF_ERROR(
        tx.Execute(std::string("INSERT INTO accounts (") + kAccountColumns +
                       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                   {account.id, account.jwk_json, account.thumbprint,
                    kAccountStatus.ToText(account.status), contact,
                    Bool(account.terms_agreed), account.eab_kid,
                    Int(account.created_at)}));
    return OkStatus();
  });
}

Result<std::optional<Account>> SqlAcmeStore::GetAccount(const std::string& id) {
  return db_->Transact<std::optional<Account>>(
      SqlMode::kRead, [&](SqlTransaction& tx) {
        return SelectOne<Account>(tx,
                                  std::string("SELECT ") + kAccountColumns +
                                      " FROM accounts WHERE id = $1",
                                  {id}, ReadAccount);
      });
}

Result<std::optional<Account>> SqlAcmeStore::FindAccountByThumbprint(
    const std::string& thumbprint) {
  return db_->Transact<std::optional<Account>>(
      SqlMode::kRead, [&](SqlTransaction& tx) {
        return SelectOne<Account>(tx,
                                  std::string("SELECT ") + kAccountColumns +
                                      " FROM accounts WHERE thumbprint = $1",
                                  {thumbprint}, ReadAccount);
      });
}

Status SqlAcmeStore::UpdateAccount(const Account& account) {
  return db_->InTransaction(SqlMode::kWrite, [&](SqlTransaction& tx) -> Status {
    MTC_ASSIGN_OR_RETURN(std::string contact,
                         StringsToJson(account.contact, "contact"));
    // RFC 8555 §7.3.6: deactivation is final, so only a valid account moves.
    MTC_ASSIGN_OR_RETURN(
        int64_t moved,
        tx.Execute("UPDATE accounts SET contact = $2, terms_agreed = $3, "
                   "status = $4 WHERE id = $1 AND status = 'valid'",
                   {account.id, contact, Bool(account.terms_agreed),
                    kAccountStatus.ToText(account.status)}));
    if (moved == 0) {
      return NotMoved(tx, "accounts", "status", account.id, "valid");
    }
    return OkStatus();
  });
}

Status SqlAcmeStore::ChangeAccountKey(const std::string& account_id,
                                      const std::string& new_jwk_json,
                                      const std::string& new_thumbprint) {
  return db_->InTransaction(SqlMode::kWrite, [&](SqlTransaction& tx) -> Status {
    MTC_ASSIGN_OR_RETURN(
        std::optional<SqlRow> holder,
        tx.QueryOne("SELECT id FROM accounts WHERE thumbprint = $1",
                    {new_thumbprint}));
    if (holder.has_value()) {
      MTC_ASSIGN_OR_RETURN(std::string holder_id, holder->Text(0));
      if (holder_id != account_id) {
        return Error(ErrorCode::kConflict,
                     "the new key belongs to account " + holder_id);
      }
    }
    MTC_ASSIGN_OR_RETURN(
        int64_t moved,
        tx.Execute("UPDATE accounts SET jwk_json = $2, thumbprint = $3 "
                   "WHERE id = $1 AND status = 'valid'",
                   {account_id, new_jwk_json, new_thumbprint}));
    if (moved == 0) {
      return NotMoved(tx, "accounts", "status", account_id, "valid");
    }
    return OkStatus();
  });
}

// Orders.

Status SqlAcmeStore::CreateOrder(
    const Order& order, const std::vector<Authorization>& new_authorizations) {
  if (order.identifiers.size() != order.authorization_ids.size()) {
    return Error(
        ErrorCode::kInvalidArgument,
        "order " + order.id + " has " +
            std::to_string(order.identifiers.size()) + " identifiers but " +
            std::to_string(order.authorization_ids.size()) + " authorizations");
  }
  return db_->InTransaction(SqlMode::kWrite, [&](SqlTransaction& tx) -> Status {
    MTC_ASSIGN_OR_RETURN(std::string identifiers,
                         IdentifiersToJson(order.identifiers));
    MTC_ASSIGN_OR_RETURN(
        std::string authorization_ids,
        StringsToJson(order.authorization_ids, "authorization ID"));
    if (!order.replaces_certificate_id.empty()) {
      // RFC 9773 §5; the unique index orders_replacing backs this check up
      // against a concurrent order.
      MTC_ASSIGN_OR_RETURN(
          std::optional<SqlRow> cert,
          tx.QueryOne("SELECT account_id FROM certificates WHERE id = $1",
                      {order.replaces_certificate_id}));
      std::string owner;
      if (cert.has_value()) {
        MTC_ASSIGN_OR_RETURN(owner, cert->Text(0));
      }
      if (!cert.has_value() || owner != order.account_id) {
        return Error(ErrorCode::kInvalidArgument,
                     "order " + order.id + " replaces certificate " +
                         order.replaces_certificate_id +
                         ", which is not its account's");
      }
      MTC_ASSIGN_OR_RETURN(
          std::optional<SqlRow> replacing,
          tx.QueryOne("SELECT id FROM orders WHERE replaces_certificate_id = "
                      "$1 AND status <> 'invalid'",
                      {order.replaces_certificate_id}));
      if (replacing.has_value()) {
        MTC_ASSIGN_OR_RETURN(std::string by, replacing->Text(0));
        return Error(ErrorCode::kConflict,
                     "certificate " + order.replaces_certificate_id +
                         " is already replaced by order " + by);
      }
    } else if (!order.replaces.empty()) {
      return Error(ErrorCode::kInvalidArgument,
                   "order " + order.id + " replaces no known certificate");
    }
    MTC_RETURN_IF_ERROR(tx.Execute(
        std::string("INSERT INTO orders (") + kOrderColumns +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
            "$13, $14)",
        {order.id, order.account_id, kOrderStatus.ToText(order.status),
         Int(order.expires), identifiers, authorization_ids,
         Int(order.not_before), Int(order.not_after), order.profile,
         order.error_json, order.certificate_id, Int(order.created_at),
         order.replaces, order.replaces_certificate_id}));
    for (const Authorization& authz : new_authorizations) {
      MTC_RETURN_IF_ERROR(tx.Execute(
          std::string("INSERT INTO authorizations (") + kAuthorizationColumns +
              ") VALUES ($1, $2, $3, $4, $5, $6, $7)",
          {authz.id, authz.account_id, authz.identifier.type,
           authz.identifier.value, Bool(authz.wildcard),
           kAuthorizationStatus.ToText(authz.status), Int(authz.expires)}));
      for (size_t i = 0; i < authz.challenges.size(); i++) {
        const Challenge& c = authz.challenges[i];
        if (!c.authorization_id.empty() && c.authorization_id != authz.id) {
          return Error(ErrorCode::kInvalidArgument,
                       "challenge " + c.id + " names authorization " +
                           c.authorization_id + ", not " + authz.id);
        }
        MTC_RETURN_IF_ERROR(tx.Execute(
            "INSERT INTO challenges (id, authorization_id, position, type, "
            "token, status, validated, error_json) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            {c.id, authz.id, Int(static_cast<int64_t>(i)), c.type, c.token,
             kChallengeStatus.ToText(c.status), Int(c.validated),
             c.error_json}));
      }
    }
    // Authorization i is for identifier i (acme_store.h), new or reused.
    for (size_t i = 0; i < order.identifiers.size(); i++) {
      const std::string& authz_id = order.authorization_ids[i];
      MTC_ASSIGN_OR_RETURN(
          std::optional<SqlRow> row,
          tx.QueryOne("SELECT account_id, identifier_type, identifier_value, "
                      "wildcard FROM authorizations WHERE id = $1",
                      {authz_id}));
      if (!row.has_value()) {
        return Error(
            ErrorCode::kInvalidArgument,
            "order " + order.id + " names unknown authorization " + authz_id);
      }
      bool wildcard = false;
      Identifier want =
          AuthorizationIdentifier(order.identifiers[i], &wildcard);
      MTC_ASSIGN_OR_RETURN(std::string account_id, row->Text(0));
      MTC_ASSIGN_OR_RETURN(std::string type, row->Text(1));
      MTC_ASSIGN_OR_RETURN(std::string value, row->Text(2));
      MTC_ASSIGN_OR_RETURN(int64_t stored_wildcard, row->Int(3));
      if (account_id != order.account_id || type != want.type ||
          value != want.value || (stored_wildcard != 0) != wildcard) {
        return Error(ErrorCode::kInvalidArgument,
                     "authorization " + authz_id + " is not " +
                         order.account_id + "'s for " +
                         order.identifiers[i].type + " " +
                         order.identifiers[i].value);
      }
    }
    return OkStatus();
  });
}

Result<std::optional<Order>> SqlAcmeStore::GetOrder(const std::string& id) {
  return db_->Transact<std::optional<Order>>(
      SqlMode::kRead, [&](SqlTransaction& tx) {
        return SelectOne<Order>(tx,
                                std::string("SELECT ") + kOrderColumns +
                                    " FROM orders WHERE id = $1",
                                {id}, ReadOrder);
      });
}

Status SqlAcmeStore::UpdateOrder(const Order& updated, OrderStatus from) {
  return db_->InTransaction(SqlMode::kWrite, [&](SqlTransaction& tx) -> Status {
    MTC_ASSIGN_OR_RETURN(
        int64_t moved,
        tx.Execute("UPDATE orders SET status = $2, error_json = $3, "
                   "certificate_id = $4 WHERE id = $1 AND status = $5",
                   {updated.id, kOrderStatus.ToText(updated.status),
                    updated.error_json, updated.certificate_id,
                    kOrderStatus.ToText(from)}));
    if (moved == 0) {
      return NotMoved(tx, "orders", "status", updated.id,
                      kOrderStatus.ToText(from));
    }
    return OkStatus();
  });
}

Result<std::vector<std::string>> SqlAcmeStore::ListOrderIds(
    const std::string& account_id, size_t limit) {
  int64_t capped = static_cast<int64_t>(
      std::min<size_t>(limit, std::numeric_limits<int64_t>::max()));
  return db_->Transact<std::vector<std::string>>(
      SqlMode::kRead,
      [&](SqlTransaction& tx) -> Result<std::vector<std::string>> {
        MTC_ASSIGN_OR_RETURN(
            std::vector<SqlRow> rows,
            tx.Query("SELECT id FROM orders WHERE account_id = $1 "
                     "ORDER BY seq DESC LIMIT $2",
                     {account_id, capped}));
        std::vector<std::string> ids;
        for (const SqlRow& row : rows) {
          MTC_ASSIGN_OR_RETURN(std::string id, row.Text(0));
          ids.push_back(std::move(id));
        }
        return ids;
      });
}

// Authorizations and challenges.

Result<std::optional<Authorization>> SqlAcmeStore::GetAuthorization(
    const std::string& id) {
  return db_->Transact<std::optional<Authorization>>(
      SqlMode::kRead, [&](SqlTransaction& tx) {
        return SelectAuthorization(tx, "WHERE id = $1", {id});
      });
}

Result<std::optional<Authorization>> SqlAcmeStore::FindValidAuthorization(
    const std::string& account_id, const Identifier& identifier, bool wildcard,
    int64_t now) {
  return db_->Transact<std::optional<Authorization>>(
      SqlMode::kRead, [&](SqlTransaction& tx) {
        return SelectAuthorization(
            tx,
            "WHERE account_id = $1 AND identifier_type = $2 AND "
            "identifier_value = $3 AND wildcard = $4 AND status = 'valid' AND "
            "expires > $5 ORDER BY seq DESC LIMIT 1",
            {account_id, identifier.type, identifier.value, Bool(wildcard),
             Int(now)});
      });
}

Status SqlAcmeStore::UpdateAuthorizationStatus(const std::string& id,
                                               AuthorizationStatus from,
                                               AuthorizationStatus to) {
  return db_->InTransaction(SqlMode::kWrite, [&](SqlTransaction& tx) -> Status {
    MTC_ASSIGN_OR_RETURN(int64_t moved,
                         tx.Execute("UPDATE authorizations SET status = $2 "
                                    "WHERE id = $1 AND status = $3",
                                    {id, kAuthorizationStatus.ToText(to),
                                     kAuthorizationStatus.ToText(from)}));
    if (moved == 0) {
      return NotMoved(tx, "authorizations", "status", id,
                      kAuthorizationStatus.ToText(from));
    }
    return OkStatus();
  });
}

Result<std::optional<Challenge>> SqlAcmeStore::GetChallenge(
    const std::string& id) {
  return db_->Transact<std::optional<Challenge>>(
      SqlMode::kRead, [&](SqlTransaction& tx) {
        return SelectOne<Challenge>(tx,
                                    std::string("SELECT ") + kChallengeColumns +
                                        " FROM challenges WHERE id = $1",
                                    {id}, ReadChallenge);
      });
}

Status SqlAcmeStore::UpdateChallenge(const Challenge& updated,
                                     ChallengeStatus from) {
  return db_->InTransaction(SqlMode::kWrite, [&](SqlTransaction& tx) -> Status {
    MTC_ASSIGN_OR_RETURN(
        std::vector<SqlRow> moved,
        tx.Query("UPDATE challenges SET status = $2, validated = $3, "
                 "error_json = $4 WHERE id = $1 AND status = $5 "
                 "RETURNING authorization_id",
                 {updated.id, kChallengeStatus.ToText(updated.status),
                  Int(updated.validated), updated.error_json,
                  kChallengeStatus.ToText(from)}));
    if (moved.empty()) {
      return NotMoved(tx, "challenges", "status", updated.id,
                      kChallengeStatus.ToText(from));
    }
    // RFC 8555 §7.1.6: a pending authorization turns valid when one of its
    // challenges does, invalid when one fails.
    std::optional<AuthorizationStatus> authz_status;
    if (updated.status == ChallengeStatus::kValid) {
      authz_status = AuthorizationStatus::kValid;
    } else if (updated.status == ChallengeStatus::kInvalid) {
      authz_status = AuthorizationStatus::kInvalid;
    }
    if (!authz_status.has_value()) return OkStatus();
    MTC_ASSIGN_OR_RETURN(std::string authz_id, moved.front().Text(0));
    MTC_ASSIGN_OR_RETURN(
        int64_t authz_moved,
        tx.Execute("UPDATE authorizations SET status = $2 "
                   "WHERE id = $1 AND status = 'pending'",
                   {authz_id, kAuthorizationStatus.ToText(*authz_status)}));
    if (authz_moved == 0) {
      // Rolls the challenge back too.
      return NotMoved(tx, "authorizations", "status", authz_id, "pending");
    }
    return OkStatus();
  });
}

// Certificates.

Status SqlAcmeStore::PutCertificate(const CertificateRecord& c) {
  return db_->InTransaction(SqlMode::kWrite, [&](SqlTransaction& tx) -> Status {
    // docs/design.md §5: the entry's index is recorded in the transaction
    // that moves the order on, so an order is issued at most once.
    MTC_ASSIGN_OR_RETURN(
        int64_t moved,
        tx.Execute("UPDATE orders SET status = 'valid', certificate_id = $2 "
                   "WHERE id = $1 AND status = 'processing' AND "
                   "account_id = $3",
                   {c.order_id, c.id, c.account_id}));
    if (moved == 0) {
      MTC_ASSIGN_OR_RETURN(
          std::optional<SqlRow> owner,
          tx.QueryOne("SELECT account_id FROM orders WHERE id = $1",
                      {c.order_id}));
      if (owner.has_value() && owner->Text(0).ok() &&
          *owner->Text(0) != c.account_id) {
        return Error(
            ErrorCode::kInvalidArgument,
            "order " + c.order_id + " is not account " + c.account_id + "'s");
      }
      return NotMoved(tx, "orders", "status", c.order_id, "processing");
    }
    MTC_ASSIGN_OR_RETURN(
        int64_t inserted,
        tx.Execute(
            std::string("INSERT INTO certificates (") + kCertificateColumns +
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                "$11, $12, $13, $14)",
            {c.id, c.order_id, c.account_id,
             Int(static_cast<int64_t>(c.log_number)), U64(c.index),
             c.serial_hex, c.standalone_pem, log::SqlBlob(c.tbs_entry),
             log::SqlBlob(c.spki_sha256), Int(c.not_before), Int(c.not_after),
             Bool(c.revoked), Int(c.revocation_reason), Int(c.revoked_at)}));
    (void)inserted;
    return OkStatus();
  });
}

Result<std::optional<CertificateRecord>> SqlAcmeStore::GetCertificate(
    const std::string& id) {
  return db_->Transact<std::optional<CertificateRecord>>(
      SqlMode::kRead, [&](SqlTransaction& tx) {
        return SelectOne<CertificateRecord>(
            tx,
            std::string("SELECT ") + kCertificateColumns +
                " FROM certificates WHERE id = $1",
            {id}, ReadCertificate);
      });
}

Result<std::optional<CertificateRecord>> SqlAcmeStore::FindCertificateBySerial(
    const std::string& serial_hex) {
  return db_->Transact<std::optional<CertificateRecord>>(
      SqlMode::kRead, [&](SqlTransaction& tx) {
        return SelectOne<CertificateRecord>(
            tx,
            std::string("SELECT ") + kCertificateColumns +
                " FROM certificates WHERE serial_hex = $1",
            {serial_hex}, ReadCertificate);
      });
}

Status SqlAcmeStore::RevokeCertificate(const std::string& id, int reason,
                                       int64_t at) {
  return db_->InTransaction(SqlMode::kWrite, [&](SqlTransaction& tx) -> Status {
    MTC_ASSIGN_OR_RETURN(int64_t moved,
                         tx.Execute("UPDATE certificates SET revoked = 1, "
                                    "revocation_reason = $2, revoked_at = $3 "
                                    "WHERE id = $1 AND revoked = 0",
                                    {id, Int(reason), Int(at)}));
    if (moved == 0) {
      Status not_moved = NotMoved(tx, "certificates", "revoked", id, "0");
      if (not_moved.error().code() != ErrorCode::kConflict) return not_moved;
      // RFC 8555 §7.6: alreadyRevoked.
      return Error(ErrorCode::kConflict,
                   "certificate " + id + " is already revoked");
    }
    return OkStatus();
  });
}

Result<std::vector<CertificateRecord>> SqlAcmeStore::ListRevoked() {
  return db_->Transact<std::vector<CertificateRecord>>(
      SqlMode::kRead,
      [&](SqlTransaction& tx) -> Result<std::vector<CertificateRecord>> {
        MTC_ASSIGN_OR_RETURN(
            std::vector<SqlRow> rows,
            tx.Query(std::string("SELECT ") + kCertificateColumns +
                     " FROM certificates WHERE revoked = 1 "
                     "ORDER BY revoked_at, id"));
        std::vector<CertificateRecord> out;
        for (const SqlRow& row : rows) {
          MTC_ASSIGN_OR_RETURN(CertificateRecord c, ReadCertificate(row));
          out.push_back(std::move(c));
        }
        return out;
      });
}

}  // namespace mtc::acme
