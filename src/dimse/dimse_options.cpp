#include "dimse/dimse_options.h"

#include "base/strings.h"

namespace tessera::dimse {

std::string_view OperationName(Operation operation) {
  switch (operation) {
    case Operation::kEcho:
      return "echo";
    case Operation::kStore:
      return "store";
    case Operation::kFind:
      return "find";
    case Operation::kMove:
      return "move";
    case Operation::kGet:
      return "get";
  }
  return "unknown";
}

std::optional<Operation> ParseOperation(std::string_view name) {
  for (const Operation operation :
       {Operation::kEcho, Operation::kStore, Operation::kFind, Operation::kMove, Operation::kGet}) {
    if (IEquals(name, OperationName(operation))) return operation;
  }
  return std::nullopt;
}

}  // namespace tessera::dimse
