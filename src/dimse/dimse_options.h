#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::dimse {

// The DIMSE services a caller may be allowed to use.
enum class Operation { kEcho, kStore, kFind, kMove, kGet };

// "echo", "store", "find", "move", "get" (the configuration's spelling).
std::string_view OperationName(Operation operation);
// The reverse of OperationName, case-insensitive; nullopt for anything else.
std::optional<Operation> ParseOperation(std::string_view name);

// A modality or workstation we know: who may call us, and where C-MOVE sends to.
struct KnownPeer {
  std::string ae_title;
  std::string host;  // name or address; checked against callers when check_calling_host
  std::uint16_t port = 104;
  bool tls = false;  // C-MOVE opens a DICOM TLS association to it
  std::set<Operation> allowed = {Operation::kEcho, Operation::kStore, Operation::kFind,
                                 Operation::kMove, Operation::kGet};
};

// The longest wait for a new connection's A-ASSOCIATE-RQ, however long
// association_timeout is: callers send it as soon as they connect.
inline constexpr std::chrono::seconds kFirstPduTimeout{10};

struct DimseOptions {
  std::string address = "0.0.0.0";  // host name or IPv4/IPv6 address to bind; "" binds all
  std::uint16_t port = 4242;        // 0 picks a free port (see DicomService::port())
  std::string ae_title = "TESSERA";
  bool tls = false;
  std::filesystem::path certificate_file;  // PEM; required when tls
  std::filesystem::path private_key_file;  // PEM; required when tls
  // Non-empty: TLS callers must present a certificate signed by one of these CAs,
  // and C-MOVE destinations reached over TLS are verified against them too.
  std::filesystem::path client_ca_file;
  std::size_t max_associations = 32;
  // Of those, at most this many from one caller address: a host holding idle
  // connections cannot take every worker from the modalities. Over it, the
  // connection is closed unread.
  std::size_t max_associations_per_address = 8;
  std::uint32_t max_pdu_bytes = 116794;  // 4096 .. 131072 (DCMTK's limits)
  // ACSE: reading the A-ASSOCIATE-RQ (at most kFirstPduTimeout of it: a caller
  // sends it right after connecting), waiting for release, connecting to C-MOVE
  // destinations; also the grace period Stop() grants to running associations.
  std::chrono::seconds association_timeout{30};
  // DIMSE: each wait for a message or data set, including the idle wait for the
  // next command of an open association.
  std::chrono::seconds dimse_timeout{60};
  bool check_called_ae_title = true;
  // Callers using a known AE title must connect from that peer's host: an AE
  // title is no secret, and a known one may query and retrieve everything.
  bool check_calling_host = true;
  std::set<Operation> unknown_callers_allow = {Operation::kEcho, Operation::kStore};
  std::vector<KnownPeer> peers;
  // Storage commitment requests not reported yet are kept here, one file each,
  // and reported after a restart; empty keeps them in memory only (tests).
  std::filesystem::path commitment_folder;
};

}  // namespace tessera::dimse
