#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tessera::dimse {

// The fields of a C-STORE-RQ command (PS3.7 9.3.1.1).
struct StoreRequestCommand {
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::uint16_t message_id = 1;
  std::uint16_t priority = 0;  // 0 medium, 1 high, 2 low
  // Set for C-MOVE sub-operations: who asked for the move, and its message ID.
  std::string move_originator_ae_title;
  std::optional<std::uint16_t> move_originator_message_id;
};

// Encodes the command set (group 0000, Implicit VR Little Endian, with its group
// length) exactly as it goes into the command PDVs. We send C-STORE data sets
// byte for byte from the stored file, so we build the command ourselves instead
// of going through DCMTK's DIMSE_storeUser, which would parse and re-encode the
// data set. REQUIRES: the UIDs are at most 64 characters, the AE title at most 16.
std::string EncodeStoreRequest(const StoreRequestCommand& command);

}  // namespace tessera::dimse
