#include "dimse/command_encoder.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <gtest/gtest.h>

#include "dicom/attribute_dictionary.h"

namespace tessera::dimse {
namespace {

// Reads an encoded command back with DCMTK, as a peer would.
DcmDataset Decode(const std::string& bytes) {
  DcmInputBufferStream stream;
  stream.setBuffer(bytes.data(), static_cast<offile_off_t>(bytes.size()));
  stream.setEos();
  DcmDataset command;
  command.transferInit();
  EXPECT_TRUE(command.read(stream, EXS_LittleEndianImplicit).good());
  command.transferEnd();
  return command;
}

class CommandEncoderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dicom::EnsureDataDictionary()); }
};

TEST_F(CommandEncoderTest, EncodesAStoreRequestDcmtkReadsBack) {
  StoreRequestCommand request;
  request.sop_class_uid = "1.2.840.10008.5.1.4.1.1.2";  // odd length: padded with NUL
  request.sop_instance_uid = "1.2.3.44";
  request.message_id = 513;
  const std::string bytes = EncodeStoreRequest(request);
  ASSERT_EQ(bytes.size() % 2, 0u);

  DcmDataset command = Decode(bytes);
  Uint32 group_length = 0;
  ASSERT_TRUE(command.findAndGetUint32(DCM_CommandGroupLength, group_length).good());
  EXPECT_EQ(group_length, bytes.size() - 12);
  Uint16 value = 0;
  ASSERT_TRUE(command.findAndGetUint16(DCM_CommandField, value).good());
  EXPECT_EQ(value, 0x0001);
  ASSERT_TRUE(command.findAndGetUint16(DCM_MessageID, value).good());
  EXPECT_EQ(value, 513);
  ASSERT_TRUE(command.findAndGetUint16(DCM_CommandDataSetType, value).good());
  EXPECT_NE(value, 0x0101);  // 0x0101 would mean "no data set"
  OFString text;
  ASSERT_TRUE(command.findAndGetOFString(DCM_AffectedSOPClassUID, text).good());
  EXPECT_EQ(text, "1.2.840.10008.5.1.4.1.1.2");
  ASSERT_TRUE(command.findAndGetOFString(DCM_AffectedSOPInstanceUID, text).good());
  EXPECT_EQ(text, "1.2.3.44");
  EXPECT_FALSE(command.tagExists(DCM_MoveOriginatorApplicationEntityTitle));
  EXPECT_FALSE(command.tagExists(DCM_MoveOriginatorMessageID));
}

TEST_F(CommandEncoderTest, AddsTheMoveOriginator) {
  StoreRequestCommand request;
  request.sop_class_uid = "1.2.840.10008.5.1.4.1.1.7";
  request.sop_instance_uid = "1.2.3";
  request.move_originator_ae_title = "VIEWER1";  // odd length: padded with a space
  request.move_originator_message_id = 7;
  DcmDataset command = Decode(EncodeStoreRequest(request));
  OFString text;
  ASSERT_TRUE(command.findAndGetOFString(DCM_MoveOriginatorApplicationEntityTitle, text).good());
  EXPECT_EQ(text, "VIEWER1");
  Uint16 id = 0;
  ASSERT_TRUE(command.findAndGetUint16(DCM_MoveOriginatorMessageID, id).good());
  EXPECT_EQ(id, 7);
}

}  // namespace
}  // namespace tessera::dimse
