//! Images uploaded by any module (inspection photos, report attachments): their metadata is
//! stripped before they are sealed, so that a photo never carries the place or the device it
//! was taken with.

/// The largest photo accepted (after metadata is stripped it can only be smaller).
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;

/// Why a photo is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// The bytes are neither a JPEG nor a PNG (judged by the container, not the file name).
    #[error("the file is not a JPEG or PNG image")]
    NotAnImage,
    /// The container does not parse, or a PNG carries an unknown critical chunk.
    #[error("the image is damaged or truncated")]
    Malformed,
    /// Larger than [`MAX_PHOTO_BYTES`] before stripping.
    #[error("the image is too large")]
    TooLarge,
}

/// Removes every metadata block from a JPEG or PNG image without decoding it (the container is
/// parsed by the `img-parts` crate), and returns its content type and the cleaned bytes. JPEG:
/// APP1–APP13 and APP15 segments (EXIF with GPS position, XMP, IPTC, ICC profiles, maker notes)
/// and comments are dropped; JFIF (APP0) and Adobe (APP14, which decoders need for colour) are
/// kept. PNG: only the chunks needed to draw the image are kept (IHDR, PLTE, IDAT, IEND, tRNS,
/// gAMA, cHRM, sRGB, sBIT, bKGD); text, time, EXIF and unknown ancillary chunks are dropped,
/// and an unknown critical chunk is refused. Any other file is refused.
pub fn strip_image_metadata(
    bytes: &[u8],
) -> std::result::Result<(&'static str, Vec<u8>), PhotoError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        strip_jpeg(bytes).map(|b| ("image/jpeg", b))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        strip_png(bytes).map(|b| ("image/png", b))
    } else {
        Err(PhotoError::NotAnImage)
    }
}

fn strip_jpeg(bytes: &[u8]) -> std::result::Result<Vec<u8>, PhotoError> {
    let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(img_parts::Bytes::copy_from_slice(bytes))
        .map_err(|_| PhotoError::Malformed)?;
    jpeg.segments_mut()
        .retain(|s| !matches!(s.marker(), 0xE1..=0xED | 0xEF | 0xFE));
    Ok(jpeg.encoder().bytes().to_vec())
}

fn strip_png(bytes: &[u8]) -> std::result::Result<Vec<u8>, PhotoError> {
    const KEEP: &[&[u8; 4]] = &[
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD",
    ];
    let mut png = img_parts::png::Png::from_bytes(img_parts::Bytes::copy_from_slice(bytes))
        .map_err(|_| PhotoError::Malformed)?;
    let chunks = png.chunks_mut();
    if chunks.first().map(|c| c.kind()) != Some(*b"IHDR")
        || chunks.last().map(|c| c.kind()) != Some(*b"IEND")
    {
        return Err(PhotoError::Malformed);
    }
    // An unknown critical chunk: the image cannot be shown safely without it.
    if chunks
        .iter()
        .any(|c| !KEEP.contains(&&c.kind()) && c.kind()[0].is_ascii_uppercase())
    {
        return Err(PhotoError::Malformed);
    }
    chunks.retain(|c| KEEP.contains(&&c.kind()));
    Ok(png.encoder().bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_with_exif() -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        // APP0 JFIF
        j.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x07, b'J', b'F', b'I', b'F', 0x00]);
        // APP1 Exif with a fake GPS marker
        let exif = b"Exif\0\0GPSLatitude=48.85";
        j.extend_from_slice(&[0xFF, 0xE1, 0x00, u8::try_from(exif.len() + 2).unwrap_or(0)]);
        j.extend_from_slice(exif);
        // COM
        j.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x06, b'n', b'o', b't', b'e']);
        // DQT (kept)
        j.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x04, 0x01, 0x02]);
        // SOS + data + EOI
        j.extend_from_slice(&[
            0xFF, 0xDA, 0x00, 0x03, 0x01, 0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9,
        ]);
        j
    }

    fn has(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn jpeg_exif_gps_and_comments_are_removed_image_data_kept() {
        let (ct, out) = strip_image_metadata(&jpeg_with_exif()).unwrap_or_default_for_test();
        assert_eq!(ct, "image/jpeg");
        assert!(!has(&out, b"GPSLatitude"));
        assert!(!has(&out, b"Exif"));
        assert!(!has(&out, b"note"));
        assert!(has(&out, b"JFIF"));
        assert!(has(&out, &[0xFF, 0xDB, 0x00, 0x04, 0x01, 0x02]));
        assert!(out.ends_with(&[0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]));
    }

    /// A well-formed PNG chunk (length, type, data, CRC).
    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        img_parts::png::PngChunk::new(*kind, img_parts::Bytes::copy_from_slice(data))
            .encoder()
            .bytes()
            .to_vec()
    }

    #[test]
    fn png_text_time_and_exif_chunks_are_removed() {
        let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
        p.extend(chunk(b"IHDR", &[0; 13]));
        p.extend(chunk(b"tEXt", b"GPS\x0048.85,2.35"));
        p.extend(chunk(b"eXIf", b"MM\0*GPSdata"));
        p.extend(chunk(b"tIME", &[0; 7]));
        p.extend(chunk(b"IDAT", b"pixels"));
        p.extend(chunk(b"IEND", b""));
        let (ct, out) = strip_image_metadata(&p).unwrap_or_default_for_test();
        assert_eq!(ct, "image/png");
        assert!(!has(&out, b"GPS"));
        assert!(!has(&out, b"tIME"));
        assert!(has(&out, b"pixels"));
        assert!(out.ends_with(&chunk(b"IEND", b"")));
    }

    #[test]
    fn other_files_and_damaged_images_are_refused() {
        assert_eq!(
            strip_image_metadata(b"GIF89a...."),
            Err(PhotoError::NotAnImage)
        );
        assert_eq!(
            strip_image_metadata(b"%PDF-1.7"),
            Err(PhotoError::NotAnImage)
        );
        let mut j = jpeg_with_exif();
        j.truncate(12);
        assert_eq!(strip_image_metadata(&j), Err(PhotoError::Malformed));
        let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
        p.extend(chunk(b"IHDR", &[0; 13]));
        p.extend(chunk(b"XXXX", b"critical"));
        assert_eq!(strip_image_metadata(&p), Err(PhotoError::Malformed));
        assert_eq!(
            strip_image_metadata(&vec![0xFF; MAX_PHOTO_BYTES + 1]),
            Err(PhotoError::TooLarge)
        );
    }

    trait OrEmpty {
        fn unwrap_or_default_for_test(self) -> (&'static str, Vec<u8>);
    }
    impl OrEmpty for std::result::Result<(&'static str, Vec<u8>), PhotoError> {
        fn unwrap_or_default_for_test(self) -> (&'static str, Vec<u8>) {
            match self {
                Ok(v) => v,
                Err(e) => panic!("{e}"),
            }
        }
    }
}
