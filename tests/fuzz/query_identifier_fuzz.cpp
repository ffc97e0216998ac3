// Feeds a C-FIND / C-MOVE / C-GET identifier data set (the first byte picks its
// encoding and the information model), parsed as dimse::ReceiveDataSet does, to
// dimse::QueryFromIdentifier and RetrieveQueryFromIdentifier
// (dimse/query_from_identifier.h), then runs the SQL BuildQuerySql writes for the
// query on an in-memory index. Checks: the level name is one of the four; unique
// keys are requested; the SQL is valid and runs; the identifier is not modified.

#include <cstddef>
#include <cstdint>
#include <string>

#include "dicom/attribute_dictionary.h"
#include "dimse/query_from_identifier.h"
#include "fuzz/fuzz_support.h"
#include "fuzz/query_sql_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = tessera::fuzz::QuietLogs();
  (void)quiet;
  static const bool dictionary = static_cast<bool>(tessera::dicom::EnsureDataDictionary());
  FUZZ_CHECK(dictionary);
  tessera::fuzz::Bytes input(tessera::fuzz::AsText(data, size));
  const std::uint8_t selector = input.Byte();
  const E_TransferSyntax syntax =
      (selector & 1) == 0 ? EXS_LittleEndianImplicit : EXS_LittleEndianExplicit;
  const auto model = (selector & 2) == 0 ? tessera::dimse::InformationModel::kStudyRoot
                                         : tessera::dimse::InformationModel::kPatientRoot;
  auto identifier = tessera::fuzz::DataSetFromBytes(input.Rest(), syntax);
  if (!identifier) return 0;
  const unsigned long elements_before = identifier->card();

  if (auto find = tessera::dimse::QueryFromIdentifier(*identifier, model)) {
    const std::string& level = find->level_name;
    FUZZ_CHECK(level == "PATIENT" || level == "STUDY" || level == "SERIES" || level == "IMAGE");
    FUZZ_CHECK(!find->unique_keys.empty());
    tessera::archive::QueryOptions options;
    options.case_insensitive_names = (selector & 4) == 0;
    tessera::fuzz::CheckQuerySql(find->query, options);
  }
  if (auto retrieve = tessera::dimse::RetrieveQueryFromIdentifier(*identifier, model)) {
    tessera::fuzz::CheckQuerySql(*retrieve, {});
  }
  FUZZ_CHECK(identifier->card() == elements_before);
  return 0;
}
