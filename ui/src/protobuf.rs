//! The few bits of protobuf's wire format the Perfetto export needs: varints, and fields written
//! into a message buffer (nested messages are built in their own buffer, then written as bytes).

#[derive(Default)]
pub struct Message(Vec<u8>);

impl Message {
    pub fn new() -> Self {
        Message::default()
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn tag(&mut self, field: u32, wire_type: u8) {
        self.varint(u64::from(field) << 3 | u64::from(wire_type));
    }

    /// uint64, uint32, enum and bool fields (wire type 0).
    pub fn uint(&mut self, field: u32, v: u64) -> &mut Self {
        self.tag(field, 0);
        self.varint(v);
        self
    }

    /// int64 fields: two's complement, as protobuf's varint encoding of negative int64 is.
    pub fn int(&mut self, field: u32, v: i64) -> &mut Self {
        self.uint(field, v as u64)
    }

    /// string, bytes and embedded message fields (wire type 2).
    pub fn bytes_field(&mut self, field: u32, v: &[u8]) -> &mut Self {
        self.tag(field, 2);
        self.varint(v.len() as u64);
        self.0.extend_from_slice(v);
        self
    }

    pub fn string(&mut self, field: u32, v: &str) -> &mut Self {
        self.bytes_field(field, v.as_bytes())
    }

    pub fn message(&mut self, field: u32, m: &Message) -> &mut Self {
        self.bytes_field(field, m.bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_the_protobuf_spec_examples() {
        // From the protobuf encoding guide: field 1 = 150 is 08 96 01; field 2 = "testing".
        assert_eq!(Message::new().uint(1, 150).bytes(), [0x08, 0x96, 0x01]);
        let mut m = Message::new();
        m.string(2, "testing");
        assert_eq!(m.bytes(), b"\x12\x07testing");
        // A negative int64 takes ten bytes.
        assert_eq!(Message::new().int(1, -1).bytes().len(), 11);
        let mut outer = Message::new();
        outer.message(3, Message::new().uint(1, 150));
        assert_eq!(outer.bytes(), [0x1a, 0x03, 0x08, 0x96, 0x01]);
    }
}
