# The agent lifecycle of PROTOCOL.md section 5 on one demo area, without a network: this
# script plays the Requestor's part (begin_frame, tick_state, on_command, end_frame once per
# physics frame) and checks reset with seed, new-episode readings, frame skip with action
# repeat, pause/resume, Wait, a Welcome override of max_steps and frame_skip, truncation,
# seed reproducibility and stop.
#   godot3-server --path godot/demo -s tests/godot/lifecycle_test.gd
extends SceneTree

const P := preload("res://addons/ai4u/protocol.gd")

var passed := 0
var failed := 0
var area: Spatial
var agent: Node
var frame := 0
var start_pos := Vector3.ZERO
var stepped_pos := Vector3.ZERO

func _init() -> void:
	area = load("res://area.tscn").instance()
	root.add_child(area)
	area.setup(0, 3000)
	agent = area.get_node("AgentBody/Agent")

func check(name: String, ok: bool, why = "") -> void:
	if ok:
		passed += 1
		print("PASS ", name)
	else:
		failed += 1
		print("FAIL ", name, ": ", str(why))

func cmd(c: int, extra: Dictionary = {}) -> Dictionary:
	var d := {"command": c}
	for k in extra:
		d[k] = extra[k]
	return d

func move(a: Array) -> Dictionary:
	return cmd(P.CMD_ACT, {"name": "move", "args": [P.float_array_value([4], PoolRealArray(a))], "fields": []})

func reset(seed_value: int) -> Dictionary:
	return cmd(P.CMD_RESET, {"fields": [P.field("seed", P.int_value(seed_value))]})

func field(st: Dictionary, name: String) -> Dictionary:
	for f in st["fields"]:
		if f["name"] == name:
			return f["value"]
	return {}

# One physics frame of the Requestor's loop: returns the agent's tick entry or {}.
func step(command: Dictionary) -> Dictionary:
	agent.begin_frame()
	var st := {}
	if agent.wants_tick():
		st = agent.tick_state()
		agent.on_command(command if not command.empty() else cmd(P.CMD_WAIT))
	agent.end_frame(0.02)
	return st

func _iteration(_delta: float) -> bool:
	frame += 1
	match frame:
		1:
			var st := step(reset(7))
			check("an idle agent ticks as idle", st.get("status") == P.STATUS_IDLE, st)
		2:
			start_pos = area.get_node("AgentBody").global_transform.origin
			var st := step(move([1, 0, 0, 0]))
			check("after Reset the tick says new episode", st.get("status") == P.STATUS_NEW_EPISODE and st["steps"] == 0, st)
			var arr := field(st, "array")
			var vis := field(st, "vision")
			check("array is a float array [7]", arr.get("shape") == [7] and arr["data"].size() == 7, arr)
			check("vision is a float array [10, 10, 1]", vis.get("shape") == [10, 10, 1] and vis["data"].size() == 100, vis)
			var codes_ok := true
			for x in vis.get("data", []):
				codes_ok = codes_ok and x in [0.0, 50.0, 100.0, 200.0]
			check("vision holds only object codes, with the floor below", codes_ok and vis["data"][99] == 50.0, vis)
			check("on_ground is 1 after a reset", arr["data"][2] == 1.0, arr)
			check("the target is within 30 m", arr["data"][1] > 0.0 and arr["data"][1] < 1.0, arr)
		3, 4, 5:
			check("no tick during the decision period (frame %d)" % frame, step({}).empty())
		6:
			var st := step(cmd(P.CMD_PAUSE))
			var moved: float = (area.get_node("AgentBody").global_transform.origin - start_pos).length()
			check("after 4 frames: one step", st.get("status") == P.STATUS_STEP and st["steps"] == 1, st)
			check("reward of one decision is -0.01", abs(st["reward"] + 0.01) < 1e-6, st)
			check("the last action is reported", Array(field(st, "array")["data"]).slice(3, 6) == [1.0, 0.0, 0.0, 0.0], st)
			check("the move action walked 4 frames at 4 m/s (0.32 m)", abs(moved - 0.32) < 0.02, moved)
		7:
			var st := step(cmd(P.CMD_RESUME))
			check("a paused agent ticks as paused", st.get("status") == P.STATUS_PAUSED and st["steps"] == 1, st)
		8:
			var st := step(cmd(P.CMD_WAIT))
			check("a resumed agent asks for a decision without a new step", st.get("status") == P.STATUS_STEP and st["steps"] == 1, st)
			agent.configure([P.field("max_steps", P.int_value(3)), P.field("frame_skip", P.int_value(2))])
		9:
			var st := step(move([0, 1, 0, 0]))
			check("a lockstep Wait is no decision: asked again, same steps", st.get("status") == P.STATUS_STEP and st["steps"] == 1, st)
		10:
			check("no tick during the decision period", step({}).empty())
		11:
			var st := step(move([0, 1, 0, 0]))
			check("frame_skip override: a step 2 frames later", st.get("status") == P.STATUS_STEP and st["steps"] == 2 and not st["truncated"], st)
		12:
			step({})
		13:
			var st := step(move([0, 1, 0, 0]))
			check("max_steps override truncates at 3 steps", st.get("steps") == 3 and st["truncated"] and not st["done"], st)
		14:
			var st := step(reset(7))
			check("after the last tick the agent is idle", st.get("status") == P.STATUS_IDLE, st)
		15:
			var pos: Vector3 = area.get_node("AgentBody").global_transform.origin
			check("the same seed gives the same start", pos.distance_to(start_pos) < 1e-4, [pos, start_pos])
			var st := step(cmd(P.CMD_STOP))
			check("new episode after the reset", st.get("status") == P.STATUS_NEW_EPISODE, st)
		16:
			step({})
			check("a stopped agent never ticks", not agent.wants_tick() and agent.phase == agent.Phase.STOPPED)
			print("lifecycle: %d passed, %d failed" % [passed, failed])
			quit(0 if failed == 0 else 1)
	return false
