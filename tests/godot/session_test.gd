# The session conformance vectors (tests/vectors/sessions, format in its README) replayed by
# the GDScript addon: the real Requestor and Agent nodes, with the transport replaced by a
# scripted in-memory controller (every message still goes through the codec), must send
# exactly the expected ticks at exactly the expected physics frames.
#   godot3-server --path godot/demo -s tests/godot/session_test.gd -- --sessions=DIR
extends SceneTree

const P := preload("res://addons/ai4u/protocol.gd")
const AgentScript := preload("res://addons/ai4u/agent.gd")

var passed := 0
var failed := 0
var started := false

# One agent's piece of the vector scene (the README's table).
class AgentWorld:
	extends Reference
	var reward := 0.0
	var default_done_at := 0
	var done_at := 0
	var episode := 0
	var ep_frame := 0
	var applied := 0
	var action_sum := 0.0
	var turn_sum := 0.0
	var ever_reset := false

	func on_reset(fields: Dictionary) -> void:
		episode += 1
		ep_frame = 0
		applied = 0
		action_sum = 0.0
		turn_sum = 0.0
		ever_reset = true
		done_at = fields["done_at"] if typeof(fields.get("done_at")) == TYPE_INT else default_done_at

class CounterSensor:
	extends "res://addons/ai4u/sensors/sensor.gd"
	var world: AgentWorld
	var kind := P.KIND_INT

	func value_kind() -> int:
		return kind

	func get_shape() -> Array:
		return []

	func read_value(_agent) -> Dictionary:
		var x = world.get(field_name)
		return P.int_value(x) if kind == P.KIND_INT else P.float_value(x)

class MoveActuator:
	extends "res://addons/ai4u/actuators/actuator.gd"
	var world: AgentWorld
	var x := 0.0

	func act(args: Array) -> String:
		x = args[0]["data"][0]
		return ""

	func apply(_agent, _dt: float, active: bool) -> void:
		if active:
			if action_name == "move":
				world.applied += 1
				world.action_sum += x
			else:
				world.turn_sum += x

class SceneReward:
	extends "res://addons/ai4u/rewards/reward.gd"
	var world: AgentWorld

	func frame_reward(_agent) -> float:
		return world.reward

	func ends_episode(_agent) -> bool:
		return world.done_at > 0 and world.ep_frame >= world.done_at

# The Requestor with its TCP replaced: what it sends goes (encoded, decoded) to the script,
# what it receives comes from it. A tick the script has no reply for closes the connection.
class ScriptedRequestor:
	extends "res://addons/ai4u/requestor.gd"
	var welcome := {}
	var replies := []       # null entry: close at that tick
	var frame := 0
	var ticks := []         # [frame, tick]
	var bye := false
	var closed_at_tick := false
	var _inbox := []

	func _connect() -> bool:
		return true

	func _send(msg: Dictionary) -> bool:
		var m := P.decode(P.encode(msg))
		match m["type"]:
			P.MSG_HELLO:
				_inbox.append(welcome)
			P.MSG_TICK:
				ticks.append([frame, m])
				var i := ticks.size() - 1
				if i < replies.size() and replies[i] != null:
					_inbox.append(replies[i])
			P.MSG_BYE:
				bye = true
		return true

	func _receive(what: String) -> Dictionary:
		if _inbox.empty():
			closed_at_tick = true
			_fail("the controller closed the connection while this engine waited for its answer to %s" % what)
			return {"type": P.MSG_INVALID}
		return _inbox.pop_front()

func check(name: String, ok: bool, why = "") -> void:
	if ok:
		passed += 1
		print("PASS ", name)
	else:
		failed += 1
		print("FAIL ", name, ": ", str(why))

func _iteration(_delta: float) -> bool:
	if started:
		return false
	started = true
	var dir := ""
	for a in OS.get_cmdline_args():
		if a.begins_with("--sessions="):
			dir = a.substr(11)
	var names := []
	var d := Directory.new()
	if dir == "" or d.open(dir) != OK:
		check("open the session vectors", false, dir)
	else:
		d.list_dir_begin(true, true)
		var f := d.get_next()
		while f != "":
			if f.ends_with(".json"):
				names.append(f)
			f = d.get_next()
		d.list_dir_end()
	names.sort()
	check("at least 15 session vectors", names.size() >= 15, names.size())
	for n in names:
		var why := replay(dir + "/" + n)
		check("session vector " + n.get_basename(), why == "", why)
	print("sessions: %d passed, %d failed" % [passed, failed])
	quit(0 if failed == 0 else 1)
	return false

func read_json(path: String) -> Dictionary:
	var f := File.new()
	f.open(path, File.READ)
	var r := JSON.parse(f.get_as_text())
	f.close()
	return r.result if r.error == OK else {}

static func config_value(j: Dictionary) -> Dictionary:
	var k: String = j.keys()[0]
	match k:
		"Int":
			return P.int_value(int(j[k]))
		"Float":
			return P.float_value(float(j[k]))
		"Bool":
			return P.bool_value(j[k])
		"String":
			return P.string_value(j[k])
	return {}

static func command_of(id: String, j) -> Dictionary:
	if typeof(j) == TYPE_STRING:
		var kinds := {"Reset": P.CMD_RESET, "Wait": P.CMD_WAIT, "Pause": P.CMD_PAUSE, "Resume": P.CMD_RESUME, "Stop": P.CMD_STOP}
		var c := {"id": id, "command": kinds[j]}
		if j == "Reset":
			c["fields"] = []
		return c
	if j.has("Act"):
		return {"id": id, "command": P.CMD_ACT, "name": "move", "fields": [],
			"args": [P.float_array_value([1], PoolRealArray([float(j["Act"])]))]}
	if j.has("Acts"):
		var parts := []
		for k in j["Acts"]:
			parts.append(P.field(k, P.float_array_value([1], PoolRealArray([float(j["Acts"][k])]))))
		return {"id": id, "command": P.CMD_ACT, "name": "", "fields": parts, "args": []}
	var fields := []
	for k in j["Reset"]:
		fields.append(P.field(k, P.int_value(int(j["Reset"][k]))))
	return {"id": id, "command": P.CMD_RESET, "fields": fields}

const STATUS := ["idle", "new_episode", "step", "paused"]
const FIELD_ORDER := ["episode", "ep_frame", "applied", "action_sum", "turn_sum"]

static func describe(frame: int, t: Dictionary) -> String:
	var s := "frame %d seq %d:" % [frame, t["seq"]]
	for a in t["agents"]:
		s += " [%s %s steps %d reward %s%s%s" % [a["id"], STATUS[a["status"]], a["steps"], str(a["reward"]),
			" done" if a["done"] else "", " truncated" if a["truncated"] else ""]
		var by_name := {}
		for f in a["fields"]:
			by_name[f["name"]] = f["value"]["value"]
		for n in FIELD_ORDER:
			if by_name.has(n):
				s += " %s=%s" % [n, str(by_name[n])]
		if by_name.size() != 0 and by_name.size() != FIELD_ORDER.size():
			s += " (fields: %s)" % str(by_name.keys())
		s += "]"
	return s

# JSON numbers are all floats in Godot 3: ints are written back as ints, floats as floats.
static func describe_wanted(e: Dictionary) -> String:
	var t: Dictionary = e["tick"]
	var s := "frame %d seq %d:" % [int(e["frame"]), int(t["seq"])]
	for a in t["agents"]:
		s += " [%s %s steps %d reward %s%s%s" % [a["id"], a["status"], int(a["steps"]), str(float(a["reward"])),
			" done" if a["done"] else "", " truncated" if a["truncated"] else ""]
		for n in FIELD_ORDER:
			if a["fields"].has(n):
				var v = a["fields"][n]
				s += " %s=%s" % [n, str(float(v)) if n.ends_with("_sum") else str(int(v))]
		s += "]"
	return s

# Returns "" or the first difference.
func replay(path: String) -> String:
	var v := read_json(path)
	if v.empty():
		return "cannot read " + path
	var scene: Dictionary = v["scene"]
	var worlds := []
	var agents := []
	for spec in scene["agents"]:
		var w := AgentWorld.new()
		w.reward = float(spec["reward"])
		w.default_done_at = int(spec["done_at"])
		worlds.append(w)
		var body := Spatial.new()
		var agent: Node = AgentScript.new()
		agent.agent_id = spec["id"]
		agent.max_steps = int(spec["max_steps"])
		agent.frame_skip = int(scene["frame_skip"])
		agent.repeat_action = bool(scene["repeat_action"])
		agent.group = "ai4u_session_test"
		for n in FIELD_ORDER:
			var sensor := CounterSensor.new()
			sensor.field_name = n
			sensor.world = w
			sensor.kind = P.KIND_FLOAT if n.ends_with("_sum") else P.KIND_INT
			agent.add_child(sensor)
		for action_name in ["move", "turn"]:
			var act := MoveActuator.new()
			act.action_name = action_name
			act.world = w
			agent.add_child(act)
		var rew := SceneReward.new()
		rew.world = w
		agent.add_child(rew)
		agent.connect("episode_reset", w, "on_reset")
		body.add_child(agent)
		root.add_child(body)
		agents.append(body)
	var why := ""
	var si := 0
	for session in v["sessions"]:
		why = replay_session(session, worlds, si)
		if why != "":
			break
		si += 1
	for b in agents:
		root.remove_child(b)
		b.free()
	return why

func replay_session(session: Dictionary, worlds: Array, si: int) -> String:
	var configs := []
	for c in session["config"]:
		var fields := []
		for f in c["fields"]:
			fields.append(P.field(f["name"], config_value(f["value"])))
		configs.append({"id": c["id"], "fields": fields})
	var mode := P.MODE_REALTIME if session["mode"] == "realtime" else P.MODE_LOCKSTEP
	var exchanges: Array = session["exchanges"]
	var req := ScriptedRequestor.new()
	req.welcome = {"type": P.MSG_WELCOME, "version": P.VERSION, "mode": mode, "agents": configs}
	for e in exchanges:
		if not e.has("reply"):
			req.replies.append(null)
			continue
		var cmds := []
		for id in e["reply"]:
			cmds.append(command_of(id, e["reply"][id]))
		req.replies.append({"type": P.MSG_REPLY, "seq": int(e["tick"]["seq"]), "commands": cmds})
	req.agent_group = "ai4u_session_test"
	req.use_command_line = false
	req.quit_when_done = false
	req.quit_on_failure = false
	req.mode = session["mode"]
	root.add_child(req)
	# This script is the physics loop: the Requestor's frame, then one simulated frame.
	req.set_physics_process(false)
	for _guard in range(10000):
		req._physics_process(0.02)
		if req.phase != req.Phase.RUNNING:
			break
		req.frame += 1
		for w in worlds:
			if w.ever_reset:
				w.ep_frame += 1
	var why := ""
	for k in range(exchanges.size()):
		var want := describe_wanted(exchanges[k])
		var got := "no tick" if k >= req.ticks.size() else describe(req.ticks[k][0], req.ticks[k][1])
		if want != got:
			why = "session %d, exchange %d:\n  want %s\n   got %s" % [si, k, want, got]
			break
	if why == "" and req.ticks.size() != exchanges.size():
		why = "session %d: %d ticks, want %d" % [si, req.ticks.size(), exchanges.size()]
	var end := "close" if req.closed_at_tick else ("bye" if req.bye else "neither bye nor close (%s)" % req.failure)
	if why == "" and end != session["end"]:
		why = "session %d ended with %s, want %s" % [si, end, session["end"]]
	root.remove_child(req)
	req.free()
	return why
