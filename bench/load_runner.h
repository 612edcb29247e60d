// The load generator's engine: keep-alive HTTP/1.1 connections driven by
// Asio, one io_context per thread, several connections per thread. Requests
// are serialised before the run starts; the hot path only writes bytes and
// parses the answer.
//
// Closed loop (rate == 0): every connection sends, waits for the answer and
// sends again; latency runs from the send. Open loop (rate > 0): requests
// are due at fixed intervals whatever the server does; a due request waits
// for a free connection if there is none, and its latency runs from the time
// it was due, so a stalled server shows up in the percentiles instead of
// slowing the generator down (no coordinated omission).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "seam/status.h"

namespace seam::bench {

struct PreparedRequest {
  std::string bytes;                 // request line, headers and body
  std::vector<uint32_t> counters;    // offsets of messageId counters to renew per send
  uint32_t events = 0;               // messages in the body (0 for a GET)
};

struct RequestPlan {
  std::vector<PreparedRequest> requests;
  // false: connection i cycles through requests i, i+C, i+2C, ... renewing
  // the messageIds of each before every send. true: every request is sent
  // exactly once, in order, by whichever connection is free (a preload).
  bool one_shot = false;
};

struct RunOptions {
  std::string host = "127.0.0.1";
  std::string port;
  int connections = 16;
  int threads = 1;
  double duration_s = 10;     // 0: until max_requests (or the one-shot plan) is done
  uint64_t max_requests = 0;  // 0: no limit
  double rate = 0;            // requests/s; > 0 selects the open loop
  double drain_s = 5;         // open loop: how long past the end late requests may still go out
  int show_errors = 0;        // print the request line and answer of this many non-2xx answers
};

struct RunResult {
  double elapsed_s = 0;
  uint64_t responses = 0;
  uint64_t successes = 0;        // 2xx
  uint64_t events_accepted = 0;  // sum of "accepted" in 2xx ingest answers
  uint64_t errors = 0;           // connection or protocol errors
  uint64_t missed = 0;           // open loop: due but never sent before the drain ended
  std::map<int, uint64_t> status;
  std::vector<int64_t> latencies_ns;  // one per response
};

// Connects every connection first (failing if the server is not there), then
// runs the plan. Messages ids in `plan` are rewritten in place.
Result<RunResult> RunLoad(const RunOptions& options, RequestPlan& plan);

}  // namespace seam::bench
