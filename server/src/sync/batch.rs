//! A push's ops as read, before the writer is taken: each op parsed, or refused with its reason,
//! and its body as the log will store it. The one writer then spends its time checking and
//! writing; reading and serializing a push's JSON is done beside it.

use minqing_shared::ids::OpId;
use minqing_shared::permit::Refusal;
use minqing_shared::sync::Op;
use minqing_shared::sync::validate::MAX_OP_BYTES;
use serde_json::Value;
use serde_json::value::RawValue;

/// A push's ops, in the order sent.
#[derive(Debug, Default)]
pub struct Batch {
    pub(super) ops: Vec<Incoming>,
}

/// One op of a batch, as read.
#[derive(Debug)]
pub(super) struct Incoming {
    /// Its `device_seq`, if it could be read.
    pub seq: Option<u64>,
    /// Its `op_id`, if it could be read (a refused op is acknowledged by it).
    pub op_id: Option<OpId>,
    /// The op as sent (kept aside with its reason if refused).
    pub raw: Box<RawValue>,
    /// The op and its body for the log, or why it cannot be read.
    pub op: Result<(Op, String), Refusal>,
}

/// A stable code for an op that could not be read.
fn decode_error_code(e: &serde_json::Error) -> &'static str {
    if e.to_string().starts_with("unknown variant") { "unknown_value" } else { "malformed_op" }
}

impl Batch {
    /// Reads the ops `device` sent.
    pub fn read(device: minqing_shared::ids::DeviceId, raw_ops: Vec<Box<RawValue>>) -> Self {
        let ops = raw_ops.into_iter().map(|raw| Incoming::read(device, raw)).collect();
        Self { ops }
    }
}

impl Incoming {
    fn read(device: minqing_shared::ids::DeviceId, raw: Box<RawValue>) -> Self {
        let size = raw.get().len();
        let parsed = if size > MAX_OP_BYTES {
            Err(Refusal::new(
                "op_too_large",
                format!(
                    "记录过大：{size} 字节，上限 {MAX_OP_BYTES} 字节（the op is {size} bytes; at \
                     most {MAX_OP_BYTES}）"
                ),
            ))
        } else {
            serde_json::from_str::<Op>(raw.get()).map_err(|e| {
                Refusal::new(
                    decode_error_code(&e),
                    format!("无法读取该记录（the op could not be read: {e}）"),
                )
            })
        };
        let op = parsed.and_then(|op| {
            if op.device_id != device {
                return Err(Refusal::new(
                    "wrong_device",
                    "该记录来自另一台手机（the op was made on another device）",
                ));
            }
            match serde_json::to_string(&op) {
                Ok(body) => Ok((op, body)),
                Err(e) => Err(Refusal::new(
                    "malformed_op",
                    format!("无法读取该记录（the op could not be read: {e}）"),
                )),
            }
        });
        let (seq, op_id) = match &op {
            Ok((op, _)) => (Some(op.device_seq), Some(op.op_id)),
            // What can be read of an op that cannot: its number and id, if they are there.
            Err(_) => {
                let value: Option<Value> = serde_json::from_str(raw.get()).ok();
                let field = |name: &str| value.as_ref().and_then(|v| v.get(name)).cloned();
                (
                    field("device_seq").and_then(|v| v.as_u64()),
                    field("op_id").and_then(|v| v.as_str()?.parse().ok()),
                )
            }
        };
        Self { seq, op_id, raw, op }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minqing_shared::ids::DeviceId;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_owned()).unwrap()
    }

    #[test]
    fn an_unreadable_op_keeps_what_can_be_read_of_it() {
        let device = DeviceId::new();
        let id = OpId::new();
        let batch = Batch::read(
            device,
            vec![
                raw(&format!(r#"{{"op_id":"{id}","device_seq":7,"payload":"nonsense"}}"#)),
                raw("42"),
            ],
        );
        let [broken, number] = &batch.ops[..] else { panic!("{batch:?}") };
        assert_eq!((broken.seq, broken.op_id), (Some(7), Some(id)));
        assert_eq!(broken.op.as_ref().unwrap_err().code, "malformed_op");
        assert_eq!((number.seq, number.op_id), (None, None));
        assert_eq!(number.raw.get(), "42");
    }

    #[test]
    fn an_op_too_large_is_refused_unread() {
        let padding = "x".repeat(MAX_OP_BYTES);
        let batch = Batch::read(
            DeviceId::new(),
            vec![raw(&format!(r#"{{"device_seq":1,"pad":"{padding}"}}"#))],
        );
        assert_eq!(batch.ops[0].op.as_ref().unwrap_err().code, "op_too_large");
        assert_eq!(batch.ops[0].seq, Some(1));
    }
}
