// Tells DICOM Part 10 files and ZIP archives from everything else by their
// first bytes, reading only those bytes (Blob.slice), never the whole file.

export const kHeaderBytes = 132;

// 'dicom' when bytes 128..131 are "DICM" (after the 128-byte preamble), 'zip'
// for a local file header "PK\x03\x04", else 'unknown'.
export function classifyHeader(bytes) {
  if (bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 &&
      bytes[131] === 0x4d) {
    return 'dicom';
  }
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 &&
      bytes[3] === 0x04) {
    return 'zip';
  }
  return 'unknown';
}

// Resolves with {kind, contentType, reason}; reason explains a refusal.
export async function sniffFile(blob) {
  if (blob.size === 0) return {kind: 'unknown', contentType: '', reason: 'Empty file'};
  const bytes = new Uint8Array(await blob.slice(0, kHeaderBytes).arrayBuffer());
  const kind = classifyHeader(bytes);
  if (kind === 'dicom') return {kind, contentType: 'application/dicom', reason: ''};
  if (kind === 'zip') return {kind, contentType: 'application/zip', reason: ''};
  return {
    kind,
    contentType: '',
    reason: 'Not a DICOM image file or a ZIP archive of them',
  };
}
