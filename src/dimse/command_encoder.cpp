#include "dimse/command_encoder.h"

#include <cassert>
#include <string_view>

namespace tessera::dimse {
namespace {

constexpr std::uint16_t kCommandField = 0x0001;  // C-STORE-RQ
constexpr std::uint16_t kDataSetPresent = 0x0000;

void AppendU16(std::string& out, std::uint16_t value) {
  out.push_back(static_cast<char>(value & 0xFF));
  out.push_back(static_cast<char>(value >> 8));
}

void AppendU32(std::string& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8)
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

void AppendHeader(std::string& out, std::uint16_t element, std::uint32_t length) {
  AppendU16(out, 0x0000);
  AppendU16(out, element);
  AppendU32(out, length);
}

void AppendUs(std::string& out, std::uint16_t element, std::uint16_t value) {
  AppendHeader(out, element, 2);
  AppendU16(out, value);
}

// Text values are padded to even length: UIDs with NUL, other VRs with a space.
void AppendText(std::string& out, std::uint16_t element, std::string_view value, char pad) {
  const std::size_t length = value.size() + (value.size() % 2);
  AppendHeader(out, element, static_cast<std::uint32_t>(length));
  out.append(value);
  if (length != value.size()) out.push_back(pad);
}

}  // namespace

std::string EncodeStoreRequest(const StoreRequestCommand& command) {
  assert(command.sop_class_uid.size() <= 64 && command.sop_instance_uid.size() <= 64 &&
         "UIDs are at most 64 characters");
  assert(command.move_originator_ae_title.size() <= 16 && "AE titles are at most 16 characters");
  std::string body;
  AppendText(body, 0x0002, command.sop_class_uid, '\0');
  AppendUs(body, 0x0100, kCommandField);
  AppendUs(body, 0x0110, command.message_id);
  AppendUs(body, 0x0700, command.priority);
  AppendUs(body, 0x0800, kDataSetPresent);
  AppendText(body, 0x1000, command.sop_instance_uid, '\0');
  if (!command.move_originator_ae_title.empty()) {
    AppendText(body, 0x1030, command.move_originator_ae_title, ' ');
  }
  if (command.move_originator_message_id) {
    AppendUs(body, 0x1031, *command.move_originator_message_id);
  }
  std::string out;
  out.reserve(12 + body.size());
  AppendHeader(out, 0x0000, 4);
  AppendU32(out, static_cast<std::uint32_t>(body.size()));
  out += body;
  return out;
}

}  // namespace tessera::dimse
