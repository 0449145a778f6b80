# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# The ai4u protocol, version 2: encoder and decoder written from docs/PROTOCOL.md.
# Godot 4 port of godot/addons/ai4u/protocol.gd (only syntax-checked with gdparse: no Godot 4
# binary runs in ai4u's CI; the Godot 3 version is the one tested against the golden files).
#
# Messages are Dictionaries with an int "type" (MSG_*). Values are Dictionaries with an int
# "kind" (KIND_*); see the *_value() constructors below for their keys. Float arrays carry a
# PackedFloat32Array and int arrays a PackedInt32Array so that their data moves as one block
# copy: to_byte_array() and to_float32_array() / to_int32_array() convert to and from exactly
# the little-endian memory the wire wants. The reader walks the payload with
# PackedByteArray's decode_* methods; the writer uses a little-endian StreamPeerBuffer.
#
# The decoder never trusts a length: every count is checked against the limits of
# PROTOCOL.md section 6 and against the bytes left before anything is allocated, and a
# failure returns {"type": MSG_INVALID, "error": "<reason>"} instead of crashing.
extends RefCounted

const MAGIC := 0x55344941
const VERSION := 2

const MSG_INVALID := -1
const MSG_HELLO := 0
const MSG_WELCOME := 1
const MSG_REJECT := 2
const MSG_TICK := 3
const MSG_REPLY := 4
const MSG_BYE := 5
const MSG_ERROR := 6
const MSG_NAMES := ["Hello", "Welcome", "Reject", "Tick", "Reply", "Bye", "Error"]

const MODE_LOCKSTEP := 0
const MODE_REALTIME := 1

const STATUS_IDLE := 0
const STATUS_NEW_EPISODE := 1
const STATUS_STEP := 2
const STATUS_PAUSED := 3

const KIND_FLOAT := 0
const KIND_INT := 1
const KIND_BOOL := 2
const KIND_STRING := 3
const KIND_BYTES := 4
const KIND_FLOAT_ARRAY := 5
const KIND_INT_ARRAY := 6
const KIND_IMAGE := 7

const PIXEL_U8 := 0
const PIXEL_F32 := 1
const ENCODING_RAW := 0
const ENCODING_PNG := 1

const CMD_ACT := 0
const CMD_RESET := 1
const CMD_WAIT := 2
const CMD_PAUSE := 3
const CMD_RESUME := 4
const CMD_STOP := 5

# Limits of PROTOCOL.md section 6 (the defaults every ai4u side uses).
const MAX_FRAME_LEN := 64 * 1024 * 1024
const MAX_AGENTS := 4096
const MAX_FIELDS := 1024
const MAX_NAME_LEN := 256
const MAX_RANK := 16

# Smallest encodings, to refuse a count the remaining bytes cannot possibly hold.
const MIN_FIELD := 8 + 4 + 1
const MIN_VALUE := 4 + 1
const MIN_AGENT_STATE := 8 + 4 + 4 + 1 + 1 + 4 + 8
const MIN_AGENT_COMMAND := 8 + 4
const MIN_AGENT_INFO := 8 + 4 + 8 + 8
const MIN_AGENT_CONFIG := 8 + 8
const MIN_INPUT := 8 + 4 + 8 + 4 + 4
const MIN_OUTPUT := 8 + 1 + 8 + 8 + 8

# ------------------------------------------------------------------ value constructors

static func float_value(x: float) -> Dictionary:
	return {"kind": KIND_FLOAT, "value": x}

static func int_value(x: int) -> Dictionary:
	return {"kind": KIND_INT, "value": x}

static func bool_value(x: bool) -> Dictionary:
	return {"kind": KIND_BOOL, "value": x}

static func string_value(x: String) -> Dictionary:
	return {"kind": KIND_STRING, "value": x}

static func bytes_value(x: PackedByteArray) -> Dictionary:
	return {"kind": KIND_BYTES, "value": x}

static func float_array_value(shape: Array, data: PackedFloat32Array) -> Dictionary:
	return {"kind": KIND_FLOAT_ARRAY, "shape": shape, "data": data}

static func int_array_value(shape: Array, data: PackedInt32Array) -> Dictionary:
	return {"kind": KIND_INT_ARRAY, "shape": shape, "data": data}

static func image_value(width: int, height: int, channels: int, pixel: int, encoding: int, data: PackedByteArray) -> Dictionary:
	return {"kind": KIND_IMAGE, "width": width, "height": height, "channels": channels,
		"pixel": pixel, "encoding": encoding, "data": data}

static func field(name: String, value: Dictionary) -> Dictionary:
	return {"name": name, "value": value}

# The element count a shape holds, or -1 when it exceeds `cap` (so huge shapes cannot
# overflow). The empty shape is a scalar: one element.
static func shape_len(shape: Array, cap: int) -> int:
	return Reader.shape_len(shape, cap)

# Why `v` cannot be sent, or "" when it is well formed (the encoder trusts its input, so
# sensors call this on what they produce).
static func check_value(v: Dictionary) -> String:
	var kind: int = v.get("kind", -1)
	match kind:
		KIND_FLOAT_ARRAY, KIND_INT_ARRAY:
			var shape: Array = v["shape"]
			if shape.size() > MAX_RANK:
				return "array of rank %d exceeds the limit of %d" % [shape.size(), MAX_RANK]
			var n := shape_len(shape, MAX_FRAME_LEN)
			if n != v["data"].size():
				return "shape %s does not hold %d elements" % [str(shape), v["data"].size()]
		KIND_IMAGE:
			if v["encoding"] == ENCODING_RAW:
				var need: int = v["width"] * v["height"] * v["channels"] * (4 if v["pixel"] == PIXEL_F32 else 1)
				if need != v["data"].size():
					return "raw image %dx%dx%d needs %d bytes, has %d" % [v["width"], v["height"], v["channels"], need, v["data"].size()]
		KIND_FLOAT, KIND_INT, KIND_BOOL, KIND_STRING, KIND_BYTES:
			pass
		_:
			return "unknown value kind %s" % str(kind)
	return ""

# ------------------------------------------------------------------ encoding

# The payload of `msg` (no frame header).
static func encode(msg: Dictionary) -> PackedByteArray:
	var w := StreamPeerBuffer.new()
	w.big_endian = false
	var type: int = msg["type"]
	w.put_u32(type)
	match type:
		MSG_HELLO:
			w.put_u32(msg.get("magic", MAGIC))
			w.put_u16(msg.get("version", VERSION))
			_put_string(w, msg["engine"])
			_put_string(w, msg["engine_version"])
			if msg.get("token") == null:
				w.put_u8(0)
			else:
				w.put_u8(1)
				_put_string(w, msg["token"])
			w.put_u32(msg["mode"])
			w.put_u64(msg["agents"].size())
			for a in msg["agents"]:
				_put_string(w, a["id"])
				w.put_u32(a["max_steps"])
				w.put_u64(a["inputs"].size())
				for i in a["inputs"]:
					_put_string(w, i["name"])
					w.put_u32(i["kind"])
					_put_shape(w, i["shape"])
					w.put_float(i["range_min"])
					w.put_float(i["range_max"])
				w.put_u64(a["outputs"].size())
				for o in a["outputs"]:
					_put_string(w, o["name"])
					w.put_u8(1 if o["continuous"] else 0)
					_put_shape(w, o["shape"])
					_put_f32_list(w, PackedFloat32Array(o["range_min"]))
					_put_f32_list(w, PackedFloat32Array(o["range_max"]))
		MSG_WELCOME:
			w.put_u16(msg.get("version", VERSION))
			w.put_u32(msg["mode"])
			w.put_u64(msg["agents"].size())
			for a in msg["agents"]:
				_put_string(w, a["id"])
				_put_fields(w, a["fields"])
		MSG_REJECT, MSG_BYE, MSG_ERROR:
			_put_string(w, msg["reason"])
		MSG_TICK:
			w.put_u64(msg["seq"])
			w.put_u64(msg["agents"].size())
			for a in msg["agents"]:
				_put_string(w, a["id"])
				w.put_u32(a["status"])
				w.put_float(a["reward"])
				w.put_u8(1 if a["done"] else 0)
				w.put_u8(1 if a["truncated"] else 0)
				w.put_u32(a["steps"])
				_put_fields(w, a["fields"])
		MSG_REPLY:
			w.put_u64(msg["seq"])
			w.put_u64(msg["commands"].size())
			for c in msg["commands"]:
				_put_string(w, c["id"])
				var cmd: int = c["command"]
				w.put_u32(cmd)
				if cmd == CMD_ACT:
					_put_string(w, c["name"])
					w.put_u64(c["args"].size())
					for v in c["args"]:
						_put_value(w, v)
					_put_fields(w, c["fields"])
				elif cmd == CMD_RESET:
					_put_fields(w, c["fields"])
		_:
			push_error("ai4u: cannot encode message type %s" % str(type))
	return w.data_array

# A whole frame: the u32 little-endian payload length, then the payload.
static func frame(payload: PackedByteArray) -> PackedByteArray:
	var w := StreamPeerBuffer.new()
	w.big_endian = false
	w.put_u32(payload.size())
	var out := w.data_array
	out.append_array(payload)
	return out

static func _put_string(w: StreamPeerBuffer, s: String) -> void:
	_put_bytes(w, s.to_utf8_buffer())

static func _put_bytes(w: StreamPeerBuffer, b: PackedByteArray) -> void:
	w.put_u64(b.size())
	if b.size() > 0:
		w.put_data(b)

static func _put_shape(w: StreamPeerBuffer, shape: Array) -> void:
	w.put_u64(shape.size())
	for d in shape:
		w.put_u32(int(d))

# list<f32> and list<i32> as one block: to_byte_array() is the arrays' LE memory.
static func _put_f32_list(w: StreamPeerBuffer, data: PackedFloat32Array) -> void:
	w.put_u64(data.size())
	if data.size() > 0:
		w.put_data(data.to_byte_array())

static func _put_i32_list(w: StreamPeerBuffer, data: PackedInt32Array) -> void:
	w.put_u64(data.size())
	if data.size() > 0:
		w.put_data(data.to_byte_array())

static func _put_fields(w: StreamPeerBuffer, fields: Array) -> void:
	w.put_u64(fields.size())
	for f in fields:
		_put_string(w, f["name"])
		_put_value(w, f["value"])

static func _put_value(w: StreamPeerBuffer, v: Dictionary) -> void:
	var kind: int = v["kind"]
	w.put_u32(kind)
	match kind:
		KIND_FLOAT:
			w.put_float(v["value"])
		KIND_INT:
			w.put_64(v["value"])
		KIND_BOOL:
			w.put_u8(1 if v["value"] else 0)
		KIND_STRING:
			_put_string(w, v["value"])
		KIND_BYTES:
			_put_bytes(w, v["value"])
		KIND_FLOAT_ARRAY:
			_put_shape(w, v["shape"])
			_put_f32_list(w, PackedFloat32Array(v["data"]))
		KIND_INT_ARRAY:
			_put_shape(w, v["shape"])
			_put_i32_list(w, PackedInt32Array(v["data"]))
		KIND_IMAGE:
			w.put_u32(v["width"])
			w.put_u32(v["height"])
			w.put_u32(v["channels"])
			w.put_u32(v["pixel"])
			w.put_u32(v["encoding"])
			_put_bytes(w, v["data"])

# ------------------------------------------------------------------ decoding

# Checks a frame header's payload length before the body is read: "" or the reason.
static func check_frame_len(n: int) -> String:
	if n == 0:
		return "empty frame"
	if n < 0 or n > MAX_FRAME_LEN:
		return "frame of %d bytes exceeds the limit of %d bytes" % [n, MAX_FRAME_LEN]
	return ""

# Decodes one payload; the whole payload must be exactly one message.
static func decode(payload: PackedByteArray) -> Dictionary:
	var why := check_frame_len(payload.size())
	if why != "":
		return {"type": MSG_INVALID, "error": why}
	var r := Reader.new(payload)
	var msg := r.message()
	if r.error == "" and r.left() != 0:
		r.error = "%d trailing bytes after a complete %s message" % [r.left(), MSG_NAMES[msg["type"]]]
	if r.error != "":
		return {"type": MSG_INVALID, "error": r.error}
	return msg

# A cursor over one payload. Every read checks the bytes left first; after the first
# failure `error` is set and every read returns a neutral value, so callers only need to
# test `error` before looping.
class Reader:
	var data := PackedByteArray()
	var pos := 0
	var size := 0
	var error := ""

	func _init(payload: PackedByteArray) -> void:
		data = payload
		size = payload.size()

	func left() -> int:
		return size - pos

	func fail(why: String) -> void:
		if error == "":
			error = why

	func need(n: int, what: String) -> bool:
		if error != "":
			return false
		if n < 0 or n > left():
			fail("message truncated while reading %s: needed %d more bytes, %d left" % [what, n, left()])
			return false
		return true

	# Takes n bytes; the caller checked need(n) first.
	func take(n: int) -> PackedByteArray:
		var out := data.slice(pos, pos + n)
		pos += n
		return out

	func u8(what: String) -> int:
		if not need(1, what):
			return 0
		pos += 1
		return data.decode_u8(pos - 1)

	func u16(what: String) -> int:
		if not need(2, what):
			return 0
		pos += 2
		return data.decode_u16(pos - 2)

	func u32(what: String) -> int:
		if not need(4, what):
			return 0
		pos += 4
		return data.decode_u32(pos - 4)

	# A u64 as GDScript's signed 64-bit int: values >= 2^63 come out negative, and
	# put_u64 writes the same bits back.
	func u64(what: String) -> int:
		if not need(8, what):
			return 0
		pos += 8
		return data.decode_u64(pos - 8)

	func i64(what: String) -> int:
		if not need(8, what):
			return 0
		pos += 8
		return data.decode_s64(pos - 8)

	func f32(what: String) -> float:
		if not need(4, what):
			return 0.0
		pos += 4
		return data.decode_float(pos - 4)

	func boolean(what: String) -> bool:
		var b := u8(what)
		if b > 1:
			fail("invalid bool byte %d (must be 0 or 1) in %s" % [b, what])
		return b == 1

	func tag(what: String, max_tag: int) -> int:
		var t := u32(what)
		if error == "" and t > max_tag:
			fail("unknown %s tag %d" % [what, t])
			return 0
		return t

	# An element count, checked against `max_n` and the bytes left given the smallest
	# encoding of one element. Returns 0 on failure so loops do nothing.
	func count(what: String, max_n: int, min_size: int) -> int:
		var n := u64(what)
		if error != "":
			return 0
		if n < 0 or n > max_n:
			fail("%s has %s entries, limit is %d" % [what, _u64_str(n), max_n])
			return 0
		if n * min_size > left():
			fail("message truncated while reading %s: needed %d more bytes, %d left" % [what, n * min_size, left()])
			return 0
		return n

	func raw_bytes(what: String) -> PackedByteArray:
		var n := u64(what)
		if error != "":
			return PackedByteArray()
		if n < 0 or n > left():
			fail("message truncated while reading %s: needed %s more bytes, %d left" % [what, _u64_str(n), left()])
			return PackedByteArray()
		if n == 0:
			return PackedByteArray()
		return take(n)

	func string(what: String) -> String:
		var b := raw_bytes(what)
		if error != "" or b.size() == 0:
			return ""
		var s := b.get_string_from_utf8()
		# Godot has no strict UTF-8 check: a string that does not encode back to the same
		# bytes was invalid (or held a NUL, which Godot strings cannot carry).
		if s.to_utf8_buffer() != b:
			fail("%s is not valid UTF-8" % what)
			return ""
		return s

	func name(what: String) -> String:
		if not need(8, what):
			return ""
		var n := data.decode_u64(pos)
		if n < 0 or n > MAX_NAME_LEN:
			fail("%s is %s bytes long, limit is %d" % [what, _u64_str(n), MAX_NAME_LEN])
			return ""
		return string(what)

	func shape(what: String) -> Array:
		var n := count(what, MAX_RANK, 4)
		var out := []
		for _i in range(n):
			out.append(u32(what))
		return out

	# A list of 4-byte elements whose count must match `shape`; returns its raw bytes.
	func block4(what: String, dims: Array) -> PackedByteArray:
		var n := u64(what)
		if error != "":
			return PackedByteArray()
		if n < 0 or n > left() / 4:
			fail("message truncated while reading %s: needed %s more bytes, %d left" % [what, _u64_str(n * 4 if n >= 0 else n), left()])
			return PackedByteArray()
		if shape_len(dims, MAX_FRAME_LEN) != n:
			fail("%s: shape %s does not hold %d elements" % [what, str(dims), n])
			return PackedByteArray()
		if n == 0:
			return PackedByteArray()
		return take(n * 4)

	func f32_list(what: String) -> PackedFloat32Array:
		var n := count(what, MAX_FIELDS, 4)
		if n == 0:
			return PackedFloat32Array()
		return take(n * 4).to_float32_array()

	func value() -> Dictionary:
		var kind := tag("value", KIND_IMAGE)
		if error != "":
			return {}
		match kind:
			KIND_FLOAT:
				return {"kind": kind, "value": f32("float value")}
			KIND_INT:
				return {"kind": kind, "value": i64("int value")}
			KIND_BOOL:
				return {"kind": kind, "value": boolean("bool value")}
			KIND_STRING:
				return {"kind": kind, "value": string("string value")}
			KIND_BYTES:
				return {"kind": kind, "value": raw_bytes("bytes value")}
			KIND_FLOAT_ARRAY:
				var dims := shape("float array shape")
				var raw := block4("float array", dims)
				return {"kind": kind, "shape": dims, "data": raw.to_float32_array()}
			KIND_INT_ARRAY:
				var dims := shape("int array shape")
				var raw := block4("int array", dims)
				return {"kind": kind, "shape": dims, "data": raw.to_int32_array()}
			_:
				var img := {"kind": kind, "width": u32("image width"), "height": u32("image height"),
					"channels": u32("image channels"), "pixel": tag("pixel type", PIXEL_F32),
					"encoding": tag("image encoding", ENCODING_PNG)}
				img["data"] = raw_bytes("image data")
				if error == "" and img["encoding"] == ENCODING_RAW:
					var unit := 4 if img["pixel"] == PIXEL_F32 else 1
					# Checked in steps so a huge width x height cannot overflow.
					var need := shape_len([img["width"], img["height"], img["channels"], unit], MAX_FRAME_LEN)
					if need != img["data"].size():
						fail("image: raw image %dx%dx%d needs %s bytes, has %d" % [img["width"], img["height"],
							img["channels"], str(need) if need >= 0 else "too many", img["data"].size()])
				return img

	func fields(what: String) -> Array:
		var n := count(what, MAX_FIELDS, MIN_FIELD)
		var out := []
		for _i in range(n):
			var f_name := name("field name")
			var v := value()
			if error != "":
				break
			out.append({"name": f_name, "value": v})
		return out

	func command() -> Dictionary:
		var cmd := tag("command", CMD_STOP)
		var c := {"command": cmd}
		if cmd == CMD_ACT:
			c["name"] = name("action name")
			var n := count("action args", MAX_FIELDS, MIN_VALUE)
			var args := []
			for _i in range(n):
				args.append(value())
				if error != "":
					break
			c["args"] = args
			c["fields"] = fields("action fields")
		elif cmd == CMD_RESET:
			c["fields"] = fields("reset fields")
		return c

	func metadata(a: Dictionary) -> void:
		var inputs := []
		var n := count("metadata inputs", MAX_FIELDS, MIN_INPUT)
		for _i in range(n):
			var i := {"name": name("input name"), "kind": tag("input kind", KIND_IMAGE),
				"shape": shape("input shape")}
			i["range_min"] = f32("input range")
			i["range_max"] = f32("input range")
			if error != "":
				break
			inputs.append(i)
		var outputs := []
		n = count("metadata outputs", MAX_FIELDS, MIN_OUTPUT)
		for _i in range(n):
			var o := {"name": name("output name"), "continuous": boolean("output continuous flag"),
				"shape": shape("output shape")}
			o["range_min"] = f32_list("output range_min")
			o["range_max"] = f32_list("output range_max")
			if error != "":
				break
			outputs.append(o)
		a["inputs"] = inputs
		a["outputs"] = outputs

	func message() -> Dictionary:
		var type := tag("message", MSG_ERROR)
		var m := {"type": type}
		if error != "":
			return m
		match type:
			MSG_HELLO:
				m["magic"] = u32("magic")
				m["version"] = u16("version")
				m["engine"] = string("engine name")
				m["engine_version"] = string("engine version")
				var opt := u8("token option")
				if opt == 1:
					m["token"] = string("token")
				elif opt == 0:
					m["token"] = null
				elif error == "":
					fail("invalid option tag %d (must be 0 or 1)" % opt)
				m["mode"] = tag("mode", MODE_REALTIME)
				var agents := []
				var n := count("hello agents", MAX_AGENTS, MIN_AGENT_INFO)
				for _i in range(n):
					var a := {"id": name("agent id"), "max_steps": u32("max steps")}
					metadata(a)
					if error != "":
						break
					agents.append(a)
				m["agents"] = agents
			MSG_WELCOME:
				m["version"] = u16("version")
				m["mode"] = tag("mode", MODE_REALTIME)
				var agents := []
				var n := count("welcome agents", MAX_AGENTS, MIN_AGENT_CONFIG)
				for _i in range(n):
					var a := {"id": name("agent id")}
					a["fields"] = fields("agent config fields")
					if error != "":
						break
					agents.append(a)
				m["agents"] = agents
			MSG_REJECT, MSG_BYE, MSG_ERROR:
				m["reason"] = string("reason")
			MSG_TICK:
				m["seq"] = u64("seq")
				var agents := []
				var n := count("tick agents", MAX_AGENTS, MIN_AGENT_STATE)
				for _i in range(n):
					var a := {"id": name("agent id"), "status": tag("status", STATUS_PAUSED),
						"reward": f32("reward")}
					a["done"] = boolean("done")
					a["truncated"] = boolean("truncated")
					a["steps"] = u32("steps")
					a["fields"] = fields("state fields")
					if error != "":
						break
					agents.append(a)
				m["agents"] = agents
			MSG_REPLY:
				m["seq"] = u64("seq")
				var commands := []
				var n := count("reply commands", MAX_AGENTS, MIN_AGENT_COMMAND)
				for _i in range(n):
					var c_id := name("agent id")
					var c := command()
					if error != "":
						break
					c["id"] = c_id
					commands.append(c)
				m["commands"] = commands
		return m

	static func shape_len(shape: Array, cap: int) -> int:
		for d in shape:
			if int(d) == 0:
				return 0
		var n := 1
		for d in shape:
			n *= int(d)
			if n > cap:
				return -1
		return n

	static func _u64_str(n: int) -> String:
		# Show a u64 >= 2^63 (negative here) the way the sender meant it.
		if n >= 0:
			return str(n)
		# Unsigned division by 10 with wrapping arithmetic: floor(u / 10), then the digit.
		var q := ((n >> 1) & 0x7FFFFFFFFFFFFFFF) / 5
		return str(q) + str(n - q * 10)
