#include "server/cli.h"

int main(int argc, char** argv) { return seam::server::RunCli(argc, argv); }
