# Codec tests for the Godot 3 addon, run headless:
#   godot3-server --path godot/demo -s tests/godot/codec_test.gd -- --vectors=tests/vectors
# 1. Every golden payload decodes, re-encodes byte-identically, and matches its .json
#    description (the serde form of the Rust message) field by field.
# 2. Malformed payloads fail with the expected error text, never a crash.
# Prints one "PASS name" / "FAIL name: why" line per check, then "codec: N passed, M failed",
# and quits with 0 only when nothing failed.
extends SceneTree

const P := preload("res://addons/ai4u/protocol.gd")

var passed := 0
var failed := 0

func _init() -> void:
	var dir := ""
	for a in OS.get_cmdline_args():
		if a.begins_with("--vectors="):
			dir = a.substr(10, a.length() - 10)
	if dir == "":
		printerr("usage: -s codec_test.gd -- --vectors=DIR")
		quit(2)
		return
	var n := golden_vectors(dir)
	if n < 20:
		check("golden vectors found", false, "only %d .bin files in %s" % [n, dir])
	malformed_inputs(dir)
	encoder_block_copies()
	print("codec: %d passed, %d failed" % [passed, failed])
	quit(0 if failed == 0 else 1)

func check(name: String, ok: bool, why: String = "") -> void:
	if ok:
		passed += 1
		print("PASS ", name)
	else:
		failed += 1
		print("FAIL ", name, ": ", why)

func read_bytes(path: String) -> PoolByteArray:
	var f := File.new()
	if f.open(path, File.READ) != OK:
		return PoolByteArray()
	var b := f.get_buffer(f.get_len())
	f.close()
	return b

func read_text(path: String) -> String:
	var f := File.new()
	if f.open(path, File.READ) != OK:
		return ""
	var t := f.get_as_text()
	f.close()
	return t

# ------------------------------------------------------------------ golden vectors

func golden_vectors(dir: String) -> int:
	var d := Directory.new()
	if d.open(dir) != OK:
		check("open " + dir, false, "cannot open the vectors directory")
		return 0
	var names := []
	d.list_dir_begin(true, true)
	var f := d.get_next()
	while f != "":
		if f.ends_with(".bin"):
			names.append(f.get_basename())
		f = d.get_next()
	d.list_dir_end()
	names.sort()
	for name in names:
		one_vector(dir, name)
	return names.size()

func one_vector(dir: String, name: String) -> void:
	var payload := read_bytes(dir + "/" + name + ".bin")
	var parsed := JSON.parse(read_text(dir + "/" + name + ".json"))
	if parsed.error != OK:
		check(name, false, "bad json: " + parsed.error_string)
		return
	var desc: Dictionary = parsed.result
	check(name + " hex matches .bin", payload.hex_encode() == desc["payload_hex"], "payload_hex differs from the .bin")
	var msg := P.decode(payload)
	if msg["type"] == P.MSG_INVALID:
		check(name + " decodes", false, msg["error"])
		return
	var again := P.encode(msg)
	check(name + " re-encodes byte-identically", again == payload,
		"got %s\nwant %s" % [again.hex_encode(), payload.hex_encode()])
	var why := same(to_serde(msg), desc["message"], "message")
	check(name + " matches its .json", why == "", why)

# The decoded message in the serde JSON form of tests/vectors/*.json.
func to_serde(m: Dictionary):
	var t: int = m["type"]
	var body := {}
	match t:
		P.MSG_HELLO:
			var agents := []
			for a in m["agents"]:
				var inputs := []
				for i in a["inputs"]:
					inputs.append({"name": i["name"], "kind": KINDS[i["kind"]], "shape": i["shape"],
						"range_min": i["range_min"], "range_max": i["range_max"]})
				var outputs := []
				for o in a["outputs"]:
					outputs.append({"name": o["name"], "continuous": o["continuous"], "shape": o["shape"],
						"range_min": Array(o["range_min"]), "range_max": Array(o["range_max"])})
				agents.append({"id": a["id"], "max_steps": a["max_steps"],
					"metadata": {"inputs": inputs, "outputs": outputs}})
			body = {"magic": m["magic"], "version": m["version"], "engine": m["engine"],
				"engine_version": m["engine_version"], "token": m["token"],
				"mode": MODES[m["mode"]], "agents": agents}
		P.MSG_WELCOME:
			var agents := []
			for a in m["agents"]:
				agents.append({"id": a["id"], "fields": serde_fields(a["fields"])})
			body = {"version": m["version"], "mode": MODES[m["mode"]], "agents": agents}
		P.MSG_REJECT, P.MSG_BYE, P.MSG_ERROR:
			body = {"reason": m["reason"]}
		P.MSG_TICK:
			var agents := []
			for a in m["agents"]:
				agents.append({"id": a["id"], "status": STATUSES[a["status"]], "reward": a["reward"],
					"done": a["done"], "truncated": a["truncated"], "steps": a["steps"],
					"fields": serde_fields(a["fields"])})
			body = {"seq": m["seq"], "agents": agents}
		P.MSG_REPLY:
			var commands := []
			for c in m["commands"]:
				var cmd
				match c["command"]:
					P.CMD_ACT:
						var args := []
						for v in c["args"]:
							args.append(serde_value(v))
						cmd = {"Act": {"name": c["name"], "args": args, "fields": serde_fields(c["fields"])}}
					P.CMD_RESET:
						cmd = {"Reset": {"fields": serde_fields(c["fields"])}}
					_:
						cmd = COMMANDS[c["command"]]
				commands.append({"id": c["id"], "command": cmd})
			body = {"seq": m["seq"], "commands": commands}
	return {P.MSG_NAMES[t]: body}

const KINDS := ["Float", "Int", "Bool", "String", "Bytes", "FloatArray", "IntArray", "Image"]
const MODES := ["Lockstep", "Realtime"]
const STATUSES := ["Idle", "NewEpisode", "Step", "Paused"]
const COMMANDS := ["Act", "Reset", "Wait", "Pause", "Resume", "Stop"]

func serde_fields(fields: Array) -> Array:
	var out := []
	for f in fields:
		out.append({"name": f["name"], "value": serde_value(f["value"])})
	return out

func serde_value(v: Dictionary) -> Dictionary:
	var k: int = v["kind"]
	match k:
		P.KIND_FLOAT_ARRAY, P.KIND_INT_ARRAY:
			return {KINDS[k]: {"shape": v["shape"], "data": Array(v["data"])}}
		P.KIND_IMAGE:
			return {"Image": {"width": v["width"], "height": v["height"], "channels": v["channels"],
				"pixel": ["U8", "F32"][v["pixel"]], "encoding": ["Raw", "Png"][v["encoding"]],
				"data": Array(v["data"])}}
		P.KIND_BYTES:
			return {"Bytes": Array(v["value"])}
	return {KINDS[k]: v["value"]}

# "" when `got` (decoded) equals `want` (parsed JSON), else where they differ. JSON numbers
# are doubles, so numbers compare with a relative tolerance; u64 values >= 2^63 decode as
# negative ints and are compared modulo 2^64; special floats are JSON strings.
func same(got, want, path: String) -> String:
	if typeof(want) == TYPE_DICTIONARY:
		if typeof(got) != TYPE_DICTIONARY:
			return "%s: expected an object, got %s" % [path, str(got)]
		for k in want:
			if not got.has(k):
				return "%s: missing key %s" % [path, k]
			var w := same(got[k], want[k], path + "." + k)
			if w != "":
				return w
		for k in got:
			if not want.has(k):
				return "%s: unexpected key %s" % [path, k]
		return ""
	if typeof(want) == TYPE_ARRAY:
		if typeof(got) != TYPE_ARRAY or got.size() != want.size():
			return "%s: expected %d items, got %s" % [path, want.size(), str(got)]
		for i in range(want.size()):
			var w := same(got[i], want[i], "%s[%d]" % [path, i])
			if w != "":
				return w
		return ""
	if typeof(want) == TYPE_REAL:
		if typeof(got) != TYPE_REAL and typeof(got) != TYPE_INT:
			return "%s: expected %s, got %s" % [path, str(want), str(got)]
		var g := float(got)
		if typeof(got) == TYPE_INT and got < 0 and want >= 0:
			g += 18446744073709551616.0
		if is_inf(want) or abs(g - want) > 1e-6 * max(1.0, abs(want)):
			return "%s: expected %s, got %s" % [path, str(want), str(got)]
		if want == 0 and str(want) != str(g):
			return "%s: sign of zero differs (%s vs %s)" % [path, str(want), str(g)]
		return ""
	if typeof(want) == TYPE_STRING and typeof(got) == TYPE_REAL:
		var ok: bool = (want == "NaN" and is_nan(got)) or (want == "inf" and is_inf(got) and got > 0) \
			or (want == "-inf" and is_inf(got) and got < 0)
		return "" if ok else "%s: expected %s, got %s" % [path, want, str(got)]
	if typeof(got) != typeof(want) or got != want:
		return "%s: expected %s, got %s" % [path, str(want), str(got)]
	return ""

# ------------------------------------------------------------------ malformed input

func expect_error(name: String, payload: PoolByteArray, want: String) -> void:
	var m := P.decode(payload)
	if m["type"] != P.MSG_INVALID:
		check(name, false, "decoded without an error: " + str(m))
		return
	check(name, m["error"].find(want) >= 0, "error `%s` lacks `%s`" % [m["error"], want])

func le(n: int, size: int) -> PoolByteArray:
	var w := StreamPeerBuffer.new()
	w.big_endian = false
	match size:
		4:
			w.put_u32(n)
		8:
			w.put_u64(n)
	return w.data_array

func splice(b: PoolByteArray, at: int, with: PoolByteArray) -> PoolByteArray:
	var out := PoolByteArray(b)
	for i in range(with.size()):
		out[at + i] = with[i]
	return out

func malformed_inputs(dir: String) -> void:
	var tick := read_bytes(dir + "/tick_samplescene.bin")
	var hello := read_bytes(dir + "/hello_samplescene.bin")
	var reply := read_bytes(dir + "/reply_move.bin")
	# Every strict prefix of a valid message is an error, never a crash.
	for src in [["tick", tick], ["hello", hello], ["reply", reply]]:
		var bytes: PoolByteArray = src[1]
		var all_fail := true
		var first := ""
		for n in range(1, bytes.size()):
			var m := P.decode(bytes.subarray(0, n - 1))
			if m["type"] != P.MSG_INVALID or m["error"].find("truncated") < 0:
				all_fail = false
				first = "prefix of %d bytes: %s" % [n, str(m)]
				break
		check("every truncation of %s fails as truncated" % src[0], all_fail, first)
	expect_error("empty payload", PoolByteArray(), "empty frame")
	check("frame header 0 refused", P.check_frame_len(0) == "empty frame", P.check_frame_len(0))
	check("oversized frame header refused before reading",
		P.check_frame_len(P.MAX_FRAME_LEN + 1).find("exceeds the limit") >= 0, P.check_frame_len(P.MAX_FRAME_LEN + 1))
	var extra := PoolByteArray(tick)
	extra.append(0)
	expect_error("trailing byte", extra, "1 trailing bytes after a complete Tick message")
	expect_error("bad message tag", le(7, 4), "unknown message tag 7")
	# Tick layout: tag 4, seq 8, agent count 8 at offset 12, id len 8 at 20, "0" at 28,
	# status at 29, reward 33, done 37, truncated 38, steps 39, field count 43, field name
	# length 51, "array" 59, value tag 64, shape count 68.
	expect_error("agent count over the limit", splice(tick, 12, le(5000, 8)), "tick agents has 5000 entries, limit is 4096")
	expect_error("agent count larger than the bytes left", splice(tick, 12, le(4000, 8)), "truncated while reading tick agents")
	expect_error("u64 count >= 2^63", splice(tick, 12, le(-1, 8)), "tick agents has 18446744073709551615 entries")
	expect_error("bad status tag", splice(tick, 29, le(9, 4)), "unknown status tag 9")
	expect_error("bad bool byte", splice(tick, 37, PoolByteArray([2])), "invalid bool byte 2")
	expect_error("field count over the limit", splice(tick, 43, le(1025, 8)), "state fields has 1025 entries, limit is 1024")
	expect_error("name over 256 bytes", splice(tick, 51, le(300, 8)), "field name is 300 bytes long, limit is 256")
	var small := read_bytes(dir + "/value_float.bin")
	expect_error("name length larger than the bytes left", splice(small, 51, le(250, 8)), "truncated while reading field name")
	expect_error("bad value tag", splice(tick, 64, le(8, 4)), "unknown value tag 8")
	expect_error("rank over 16", splice(tick, 68, le(17, 8)), "float array shape has 17 entries, limit is 16")
	expect_error("shape/data mismatch", splice(tick, 76, le(8, 4)), "shape [8] does not hold 7 elements")
	expect_error("invalid UTF-8", splice(tick, 59, PoolByteArray([0xff, 0xfe])), "field name is not valid UTF-8")
	# Reply: data count (offset 68) larger than the bytes left.
	expect_error("array data count larger than the bytes left", splice(reply, 68, le(1 << 40, 8)), "truncated while reading float array")
	# Hello: token option byte at 41 (after engine "unity" and version "2022.3.1f1").
	expect_error("bad option byte", splice(hello, 41, PoolByteArray([7])), "invalid option tag 7")

func encoder_block_copies() -> void:
	# A float array written with the block copy equals one written float by float.
	var data := PoolRealArray([1.5, -2.25, 0.1, 1e30])
	var msg := {"type": P.MSG_REPLY, "seq": 3, "commands": [{"id": "0", "command": P.CMD_ACT, "name": "move",
		"args": [P.float_array_value([2, 2], data)], "fields": []}]}
	var enc := P.encode(msg)
	var w := StreamPeerBuffer.new()
	w.big_endian = false
	for x in data:
		w.put_float(x)
	var tail := enc.subarray(enc.size() - 8 - 16, enc.size() - 9)
	check("float block copy equals put_float", tail == w.data_array, tail.hex_encode() + " vs " + w.data_array.hex_encode())
	var back := P.decode(enc)
	check("encoded reply decodes", back["type"] == P.MSG_REPLY and back["commands"][0]["args"][0]["data"] == data, str(back))
	check("check_value catches a bad shape", P.check_value(P.float_array_value([3], data)) != "", "")
	check("check_value accepts a good shape", P.check_value(P.float_array_value([2, 2], data)) == "", "")
