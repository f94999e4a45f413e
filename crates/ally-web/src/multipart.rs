//! `multipart/form-data` bodies (photo and attachment uploads of every module), read from bytes
//! already bounded by the route's body limit.

/// The fields of a `multipart/form-data` body: (name, bytes). `None` when malformed.
pub(crate) fn fields(content_type: &str, body: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let boundary = content_type
        .strip_prefix("multipart/form-data")?
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    if boundary.is_empty() || boundary.len() > 200 {
        return None;
    }
    let delimiter = format!("--{boundary}").into_bytes();
    let find = |hay: &[u8], needle: &[u8], from: usize| -> Option<usize> {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let mut fields = Vec::new();
    let mut pos = find(body, &delimiter, 0)? + delimiter.len();
    loop {
        if body.get(pos..pos + 2)? == b"--" {
            return Some(fields);
        }
        // Skip the CRLF after the delimiter.
        pos = pos.checked_add(2)?;
        let headers_end = find(body, b"\r\n\r\n", pos)?;
        let headers = std::str::from_utf8(body.get(pos..headers_end)?).ok()?;
        let name = headers
            .split("\r\n")
            .find(|h| h.to_ascii_lowercase().starts_with("content-disposition:"))?
            .split(';')
            .map(str::trim)
            .find_map(|p| p.strip_prefix("name="))?
            .trim_matches('"')
            .to_owned();
        let start = headers_end + 4;
        let mut end_delim = b"\r\n".to_vec();
        end_delim.extend_from_slice(&delimiter);
        let end = find(body, &end_delim, start)?;
        fields.push((name, body.get(start..end)?.to_vec()));
        pos = end + end_delim.len();
    }
}
