// The `seam` command line: `serve` runs the server; `keys ...` is a front for
// the keys admin API of a running server (the server holds the RocksDB lock,
// so the CLI never opens the store itself).
#pragma once

namespace seam::server {

int RunCli(int argc, char** argv);

}  // namespace seam::server
