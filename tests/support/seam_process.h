// The real `seam` binary as a child process, for tests of what only a
// process shows: kill -9, signals, stdout, the CLI.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace seam::testing {

struct SeamProcess {
  pid_t pid = -1;
  uint16_t port = 0;
  std::string stdout_text;  // what it printed up to the "listening" line
  std::string stderr_path;  // its stderr goes to this file
};

// Starts `seam serve --listen 127.0.0.1:0 ARGS...` in `cwd` with `env` added
// to the environment; waits for the "listening" line. Throws on failure.
SeamProcess StartSeam(const std::string& cwd, const std::map<std::string, std::string>& env,
                      const std::vector<std::string>& args);

// Sends `signal` and waits; returns the wait status.
int StopSeam(SeamProcess& p, int signal);

// Runs the binary with `args` to completion; returns (exit code, stdout).
std::pair<int, std::string> RunSeam(const std::vector<std::string>& args,
                                    const std::map<std::string, std::string>& env);

}  // namespace seam::testing
