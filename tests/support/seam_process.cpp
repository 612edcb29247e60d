#include "support/seam_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace seam::testing {
namespace {

std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

}  // namespace

SeamProcess StartSeam(const std::string& cwd, const std::map<std::string, std::string>& env,
                      const std::vector<std::string>& args) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe");
  SeamProcess p;
  p.stderr_path = cwd + "/seam.stderr";
  std::vector<std::string> full = {"seam", "serve", "--listen", "127.0.0.1:0"};
  full.insert(full.end(), args.begin(), args.end());
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    int err = open(p.stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (err >= 0) dup2(err, STDERR_FILENO);
    close(out[0]);
    close(out[1]);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    auto argv = Argv(full);
    execv(SEAM_BINARY, argv.data());
    _exit(127);
  }
  close(out[1]);
  p.pid = pid;
  const std::string marker = "seam listening on http://127.0.0.1:";
  char buf[256];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    p.stdout_text.append(buf, static_cast<std::size_t>(n));
    auto at = p.stdout_text.find(marker);
    if (at != std::string::npos && p.stdout_text.find('\n', at) != std::string::npos) {
      p.port = static_cast<uint16_t>(std::stoi(p.stdout_text.substr(at + marker.size())));
      break;
    }
  }
  close(out[0]);
  if (p.port == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    throw std::runtime_error("seam did not start; stdout: " + p.stdout_text);
  }
  return p;
}

int StopSeam(SeamProcess& p, int signal) {
  int status = 0;
  if (p.pid > 0) {
    kill(p.pid, signal);
    waitpid(p.pid, &status, 0);
    p.pid = -1;
  }
  return status;
}

std::pair<int, std::string> RunSeam(const std::vector<std::string>& args,
                                    const std::map<std::string, std::string>& env) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe");
  std::vector<std::string> full = {"seam"};
  full.insert(full.end(), args.begin(), args.end());
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    auto argv = Argv(full);
    execv(SEAM_BINARY, argv.data());
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buf[512];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

}  // namespace seam::testing
