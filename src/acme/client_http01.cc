#include "acme/client_http01.h"

#include <utility>

namespace mtc::acme::client {

Result<std::unique_ptr<Http01Responder>> Http01Responder::Start(
    std::string listen, int threads) {
  std::unique_ptr<Http01Responder> responder(new Http01Responder());
  net::ServerOptions options;
  options.listen = std::move(listen);
  options.threads = threads;
  // Validation requests have no body (§8.3).
  options.max_body_bytes = 0;
  options.read_timeout = std::chrono::milliseconds(5'000);
  options.shutdown_grace = std::chrono::milliseconds(500);
  Http01Responder* self = responder.get();
  auto server = net::HttpServer::Start(
      options, [self](const net::Request& r) { return self->Handle(r); });
  if (!server.ok()) return server.error().WithContext("http-01 responder");
  responder->server_ = std::move(*server);
  return responder;
}

Http01Responder::~Http01Responder() { Stop(); }

void Http01Responder::Stop() {
  if (server_) server_->Stop();
}

uint16_t Http01Responder::port() const { return server_->port(); }

void Http01Responder::Provide(const std::string& token,
                              std::string key_authorization) {
  std::lock_guard<std::mutex> lock(mu_);
  answers_[token] = std::move(key_authorization);
}

void Http01Responder::Withdraw(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  answers_.erase(token);
}

net::Response Http01Responder::Handle(const net::Request& request) {
  if ((request.method == "GET" || request.method == "HEAD") &&
      request.path.starts_with(kAcmeChallengePath)) {
    std::string token = request.path.substr(kAcmeChallengePath.size());
    std::string answer;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = answers_.find(token);
      if (it != answers_.end()) answer = it->second;
    }
    if (!answer.empty()) {
      // §8.3: the body is the key authorization; the server ignores
      // whitespace around it, so none is added.
      ++served_;
      net::Response response;
      response.status = 200;
      response.AddHeader("Content-Type", "application/octet-stream");
      response.body = std::move(answer);
      return response;
    }
  }
  ++not_found_;
  return net::TextResponse(404, "no such challenge\n");
}

}  // namespace mtc::acme::client
