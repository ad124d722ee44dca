// `mtc witness init` and `mtc witness serve`: a C2SP tlog-witness cosigner.
#include <iostream>

#include "cli_util.h"
#include "net/http_server.h"
#include "witness/protocol.h"
#include "witness/witness_config.h"

namespace mtc::cli {

namespace {

struct InitOptions {
  std::string dir;
  std::string name;
  std::string algorithm = "ml-dsa-44";
  std::string listen = "127.0.0.1:14002";
  std::vector<std::string> logs;  // ORIGIN=VKEY
};

int Init(const InitOptions& o) {
  witness::WitnessInitOptions w;
  w.name = o.name;
  w.listen = o.listen;
  auto alg = crypto::ParseSignatureAlgorithm(o.algorithm);
  if (!alg.ok()) return ReportError("witness init", alg.error());
  w.algorithm = *alg;
  for (const std::string& spec : o.logs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos) {
      return ReportError("witness init",
                         Error(ErrorCode::kInvalidArgument,
                               "--log \"" + spec + "\" is not ORIGIN=VKEY"));
    }
    w.logs.push_back({spec.substr(0, eq), {spec.substr(eq + 1)}});
  }
  auto vkey = witness::InitWitnessDir(o.dir, w);
  if (!vkey.ok()) return ReportError("witness init", vkey.error());
  std::cout << "witness " << o.name << " initialized in " << o.dir << "\n"
            << "verifier key: " << *vkey << "\n";
  return kExitOk;
}

int Serve(const std::string& dir) {
  BlockTerminationSignals();
  auto opened = witness::OpenWitnessDir(dir, [](std::string_view line) {
    std::cerr << "witness: " << line << "\n";
  });
  if (!opened.ok()) return ReportError("witness serve", opened.error());
  witness::Witness* w = opened->witness.get();
  net::ServerOptions options;
  options.listen = opened->config.listen;
  options.max_body_bytes = witness::kMaxRequestBodySize;
  auto handler = [w](const net::Request& r) -> net::Response {
    witness::Response answer;
    if (r.path == witness::kAddCheckpointPath && r.method == "POST") {
      answer = w->HandleAddCheckpoint(r.body);
    } else if (r.path == witness::kSignSubtreePath && r.method == "POST" &&
               w->supports_sign_subtree()) {
      answer = w->HandleSignSubtree(r.body);
    } else if (auto hash = witness::OriginHashFromCheckpointPath(r.path);
               hash.ok() && r.method == "GET") {
      answer = w->HandleGetCheckpoint(*hash);
    } else {
      return net::TextResponse(404, "not found\n");
    }
    net::Response out;
    out.status = answer.status;
    out.AddHeader("Content-Type", answer.content_type);
    out.body = std::move(answer.body);
    return out;
  };
  auto server = net::HttpServer::Start(options, handler);
  if (!server.ok()) return ReportError("witness serve", server.error());
  std::cout << "witness " << opened->config.name << " listening on http://"
            << (*server)->address() << std::endl;
  std::string sig = WaitForTerminationSignal();
  std::cout << sig << ": stopping" << std::endl;
  (*server)->Stop();
  return kExitOk;
}

}  // namespace

void RegisterWitnessCommands(CLI::App& app, int* exit_code) {
  CLI::App* witness = app.add_subcommand(
      "witness",
      "Run a C2SP tlog-witness cosigner (add-checkpoint, sign-subtree)");
  witness->require_subcommand(1);

  auto o = std::make_shared<InitOptions>();
  CLI::App* init = witness->add_subcommand(
      "init", "Create a witness: key, settings (witness.toml), state");
  init->add_option("--dir", o->dir, "The witness's directory")->required();
  init->add_option("--name", o->name,
                   "Its cosigner name, e.g. oid/1.3.6.1.4.1.32473.2.1")
      ->required();
  init->add_option("--algorithm", o->algorithm,
                   "ml-dsa-44 (subtree/v1) or ed25519")
      ->capture_default_str();
  init->add_option("--listen", o->listen, "HTTP listener host:port")
      ->capture_default_str();
  init->add_option(
      "--log", o->logs,
      "ORIGIN=VKEY of a log to witness (repeatable; also editable in "
      "witness.toml)");
  init->callback([=] { *exit_code = Init(*o); });

  auto dir = std::make_shared<std::string>();
  CLI::App* serve =
      witness->add_subcommand("serve", "Serve the witness over HTTP");
  serve->add_option("--dir", *dir, "The witness's directory")->required();
  serve->callback([=] { *exit_code = Serve(*dir); });
}

}  // namespace mtc::cli
