#include "server/cli.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <spdlog/spdlog.h>

#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "seam/config.h"
#include "seam/log.h"
#include "server/app.h"

namespace seam::server {
namespace {

namespace beast = boost::beast;
namespace asio = boost::asio;

constexpr const char* kUsage = R"(usage:
  seam serve [--config FILE] [--listen HOST:PORT] [--data-dir DIR]
  seam keys create --scope write|read|admin [--url URL] [--admin-key KEY]
  seam keys list [--url URL] [--admin-key KEY]
  seam keys revoke KEY_ID [--url URL] [--admin-key KEY]
  seam version

The keys commands call the keys API of a running server. URL defaults to
http://127.0.0.1:8080; the admin key defaults to $SEAM_ADMIN_KEY.
)";

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
};

std::optional<Args> ParseArgs(int argc, char** argv, int from) {
  Args args;
  for (int i = from; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0) {
      auto eq = a.find('=');
      if (eq != std::string::npos) {
        args.options[a.substr(2, eq - 2)] = a.substr(eq + 1);
      } else {
        if (i + 1 >= argc) return std::nullopt;
        args.options[a.substr(2)] = argv[++i];
      }
    } else {
      args.positional.push_back(a);
    }
  }
  return args;
}

int Serve(const Args& args) {
  ConfigSources sources;
  sources.env = SeamEnvironment();
  for (const auto& [name, value] : args.options) {
    if (name == "config") sources.file = value;
    else if (name == "listen") sources.flags["server.listen"] = value;
    else if (name == "data-dir") sources.flags["store.data_dir"] = value;
    else {
      std::cerr << "unknown option --" << name << "\n" << kUsage;
      return 2;
    }
  }
  auto config = LoadConfig(sources);
  if (!config.ok()) {
    std::cerr << "seam: " << config.status().message() << "\n";
    return 2;
  }
  SetupLogging(config->log_level, config->log_format);
  const std::string host = config->listen.substr(0, config->listen.rfind(':'));
  AppOptions options;
  options.config = std::move(*config);
  options.env = sources.env;
  auto app = App::Create(std::move(options));
  if (!app.ok()) {
    std::cerr << "seam: " << app.status().message() << "\n";
    return 1;
  }
  if (auto s = (*app)->Start(); !s.ok()) {
    std::cerr << "seam: " << s.message() << "\n";
    return 1;
  }
  if (!(*app)->generated_keys().empty()) {
    // Shown once: only their hashes are stored.
    std::cout << "Generated API keys (shown once; store them now):\n";
    for (const auto& k : (*app)->generated_keys())
      std::cout << "  " << auth::ScopeName(k.info.scope) << "\t" << k.secret << "\n";
  }
  std::cout << "seam listening on http://" << host << ":" << (*app)->port() << "\n" << std::flush;
  (*app)->RunUntilSignal();
  return 0;
}

struct Url {
  std::string host = "127.0.0.1";
  std::string port = "8080";
};

std::optional<Url> ParseUrl(std::string url) {
  Url u;
  if (url.rfind("http://", 0) == 0) url = url.substr(7);
  else if (url.find("://") != std::string::npos) return std::nullopt;
  url = url.substr(0, url.find('/'));
  auto colon = url.rfind(':');
  if (colon != std::string::npos) {
    u.host = url.substr(0, colon);
    u.port = url.substr(colon + 1);
  } else {
    u.host = url;
    u.port = "80";
  }
  return u;
}

int CallApi(const Args& args, beast::http::verb method, const std::string& target, const std::string& body) {
  auto url = ParseUrl(args.options.count("url") ? args.options.at("url") : "http://127.0.0.1:8080");
  if (!url) {
    std::cerr << "seam: --url must be http://HOST:PORT\n";
    return 2;
  }
  std::string key = args.options.count("admin-key") ? args.options.at("admin-key") : "";
  if (key.empty())
    if (const char* env = std::getenv("SEAM_ADMIN_KEY")) key = env;
  if (key.empty()) {
    std::cerr << "seam: an admin key is needed (--admin-key or SEAM_ADMIN_KEY)\n";
    return 2;
  }
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(resolver.resolve(url->host, url->port));
    beast::http::request<beast::http::string_body> req(method, target, 11);
    req.set(beast::http::field::host, url->host);
    req.set(beast::http::field::authorization, "Bearer " + key);
    if (!body.empty()) {
      req.set(beast::http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    beast::http::write(stream, req);
    beast::flat_buffer buffer;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(stream, buffer, res);
    auto json = nlohmann::json::parse(res.body(), nullptr, false);
    std::cout << (json.is_discarded() ? res.body() : json.dump(2)) << "\n";
    return res.result_int() < 300 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "seam: cannot reach the server: " << e.what() << "\n";
    return 1;
  }
}

int Keys(const Args& args) {
  if (args.positional.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string& verb = args.positional[0];
  if (verb == "create") {
    if (!args.options.count("scope")) {
      std::cerr << "seam: keys create needs --scope write|read|admin\n";
      return 2;
    }
    return CallApi(args, beast::http::verb::post, "/v1/keys",
                   nlohmann::json{{"scope", args.options.at("scope")}}.dump());
  }
  if (verb == "list") return CallApi(args, beast::http::verb::get, "/v1/keys", "");
  if (verb == "revoke" && args.positional.size() == 2)
    return CallApi(args, beast::http::verb::delete_, "/v1/keys/" + args.positional[1], "");
  std::cerr << kUsage;
  return 2;
}

}  // namespace

int RunCli(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  auto args = ParseArgs(argc, argv, 2);
  if (!args) {
    std::cerr << "seam: an option is missing its value\n" << kUsage;
    return 2;
  }
  if (command == "serve") return Serve(*args);
  if (command == "keys") return Keys(*args);
  if (command == "version" || command == "--version") {
    std::cout << "seam 0.1.0\n";
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "seam: unknown command " << command << "\n" << kUsage;
  return 2;
}

}  // namespace seam::server
