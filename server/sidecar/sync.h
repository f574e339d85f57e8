// `gatehouse sync`: the function policies of the Lambda-compatible endpoint the sidecar fronts,
// read with its own API (ListFunctions, GetPolicy) and written into gatehouse's store, so that
// AddPermission / RemovePermission that passed through the sidecar (and changes made at the
// endpoint directly) reach the decisions. Envoy's Check API has no response hook and nginx's
// auth_request none either: gatehouse never learns whether the upstream applied a change, so
// it reads the upstream's state instead (docs/sidecar.md).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "sigv4/signer.h"
#include "store/store.h"

namespace gatehouse::server::sidecar {

struct SyncOptions {
  std::string host;  // the endpoint, plain HTTP
  std::uint16_t port = 0;
  std::string region = "us-east-1";
  std::string access_key_id, secret_access_key, session_token;  // signs the endpoint's requests
};

struct SyncReport {
  int functions = 0, created = 0, added = 0, removed = 0;
  int failures = 0;  // statements or functions that could not be written (each said on `err`)
};

// Makes the unqualified function policy of every function the endpoint lists equal in the
// store: statements added, replaced or removed by Sid. A function the store does not have is
// created there first, with the endpoint's runtime, role and handler and an empty package (its
// code stays at the endpoint). One line per change on `out`; problems on `err`.
// An unreachable endpoint or an error answer from it: nullopt-like failure in the report
// (failures > 0 and nothing written for that function).
SyncReport sync_function_policies(store::Store& store, const SyncOptions& options, std::ostream& out,
                                  std::ostream& err);

}  // namespace gatehouse::server::sidecar
