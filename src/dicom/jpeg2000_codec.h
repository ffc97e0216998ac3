#pragma once

#include <string_view>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcpixel.h>

namespace tessera::dicom {

// A DCMTK decoder codec for JPEG 2000 (1.2.840.10008.1.2.4.90 and .91) on top of
// DecodeJpeg2000 (OpenJPEG), so that chooseRepresentation, getUncompressedFrame
// and DicomImage decode JPEG 2000 like the codecs DCMTK ships; DCMTK's free
// edition has none. Decodes only. CodecRegistry registers one instance.
// Thread-safe: the codec holds no state.
class Jpeg2000Decoder : public DcmCodec {
 public:
  OFCondition decode(const DcmRepresentationParameter* from_parameter, DcmPixelSequence* sequence,
                     DcmPolymorphOBOW& uncompressed, const DcmCodecParameter* codec_parameter,
                     const DcmStack& objects, OFBool& remove_old_representation) const override;

  OFCondition decodeFrame(const DcmRepresentationParameter* from_parameter,
                          DcmPixelSequence* sequence, const DcmCodecParameter* codec_parameter,
                          DcmItem* dataset, Uint32 frame, Uint32& start_fragment, void* buffer,
                          Uint32 buffer_size, OFString& decompressed_color_model) const override;

  OFCondition encode(const Uint16* pixels, const Uint32 length,
                     const DcmRepresentationParameter* to_parameter, DcmPixelSequence*& sequence,
                     const DcmCodecParameter* codec_parameter, DcmStack& objects,
                     OFBool& remove_old_representation) const override;

  OFCondition encode(const E_TransferSyntax from, const DcmRepresentationParameter* from_parameter,
                     DcmPixelSequence* from_sequence,
                     const DcmRepresentationParameter* to_parameter, DcmPixelSequence*& to_sequence,
                     const DcmCodecParameter* codec_parameter, DcmStack& objects,
                     OFBool& remove_old_representation) const override;

  OFBool canChangeCoding(const E_TransferSyntax from, const E_TransferSyntax to) const override;

  OFCondition determineDecompressedColorModel(const DcmRepresentationParameter* from_parameter,
                                              DcmPixelSequence* sequence,
                                              const DcmCodecParameter* codec_parameter,
                                              DcmItem* dataset,
                                              OFString& color_model) const override;
};

// DCMTK registers every codec with a codec parameter and a default representation
// parameter; the JPEG 2000 decoder needs neither, so these are empty.
class Jpeg2000CodecParameter : public DcmCodecParameter {
 public:
  DcmCodecParameter* clone() const override { return new Jpeg2000CodecParameter(*this); }
  const char* className() const override { return "tessera::dicom::Jpeg2000CodecParameter"; }
};

class Jpeg2000RepresentationParameter : public DcmRepresentationParameter {
 public:
  DcmRepresentationParameter* clone() const override {
    return new Jpeg2000RepresentationParameter(*this);
  }
  const char* className() const override {
    return "tessera::dicom::Jpeg2000RepresentationParameter";
  }
  OFBool operator==(const DcmRepresentationParameter& other) const override {
    return std::string_view(className()) == other.className();
  }
};

}  // namespace tessera::dicom
