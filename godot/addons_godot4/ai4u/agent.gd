# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# An ai4u agent: the lifecycle of PROTOCOL.md section 5 for one body.
#
# Put it under the body it controls (or set `body_path`), with its sensors, actuators and
# rewards as children. It has no process callback of its own: the Requestor that serves it
# calls begin_frame(), tick_state(), on_command() and end_frame() in that order on every
# physics frame, so all agents of a connection advance in lockstep with one Tick.
#
# States: idle (no episode; initial), running, paused, stopped. The scene resets its part
# of the world by connecting to `episode_reset` (fields such as `seed` are passed on).
extends Node

const P := preload("res://addons/ai4u/protocol.gd")

signal episode_reset(fields)   # Dictionary name -> plain value (int, float, String...)
signal episode_ended(done, truncated, steps)

enum Phase { IDLE, RUNNING, PAUSED, STOPPED }

@export var agent_id := "0"
@export var body_path := NodePath("..")
# 0 = no limit; the Welcome's `max_steps` field overrides it.
@export var max_steps := 3000
# The decision period in physics frames and whether the action repeats on each of them.
@export var frame_skip := 4
@export var repeat_action := true
@export var group := "ai4u_agent_node"

var body: Node3D
var phase: int = Phase.IDLE
var steps := 0
var episode := 0
var reward := 0.0          # summed since the previous decision
var done := false
var truncated := false

# Set by the Requestor at each handshake: a realtime Wait keeps the last action going.
var realtime := false

var _new_episode := false  # reset, no Act yet: reported as "new episode", aligned with the others
var _frames_left := 0      # frames left in the current period; 0 = a decision is due
var _has_action := false   # an Act arrived in this episode
var _applied_once := false # the current action was applied at least once
var _decision := false     # the period was started by an Act (not by a realtime Wait)
var _declared := {}        # max_steps, frame_skip, repeat_action as the scene set them
var _commanded := {}       # actuator -> true: the actuators the current decision drives
var _sensors := []
var _actuators := {}
var _rewards := []

func _enter_tree() -> void:
	add_to_group(group)

func _ready() -> void:
	body = get_node(body_path) as Node3D
	if body == null:
		push_error("ai4u: agent %s: body_path %s is not a Node3D" % [agent_id, body_path])
	for c in get_children():
		if c.has_method("read_value"):
			_sensors.append(c)
		elif c.has_method("output_spec"):
			_actuators[c.action_name] = c
		elif c.has_method("frame_reward"):
			_rewards.append(c)

func get_actuator(action_name: String):
	return _actuators.get(action_name)

# ------------------------------------------------------------------ metadata

# This agent's entry of the Hello: id, max_steps and the metadata of its sensors and
# actuators (sensors sharing a field name are merged as in tick_state()).
func hello_info() -> Dictionary:
	var inputs := []
	var by_name := {}
	for s in _active_sensors():
		var n: String = s.field_name
		if by_name.has(n):
			var i: Dictionary = by_name[n]
			i["shape"] = [P.shape_len(i["shape"], P.MAX_FRAME_LEN) + P.shape_len(s.get_shape(), P.MAX_FRAME_LEN)]
			i["range_min"] = min(i["range_min"], s.get_range_min())
			i["range_max"] = max(i["range_max"], s.get_range_max())
		else:
			var i := {"name": n, "kind": s.value_kind(), "shape": s.get_shape(),
				"range_min": s.get_range_min(), "range_max": s.get_range_max()}
			by_name[n] = i
			inputs.append(i)
	var outputs := []
	for a in _actuators.values():
		outputs.append(a.output_spec())
	return {"id": agent_id, "max_steps": max_steps, "inputs": inputs, "outputs": outputs}

# A new connection: no episode, and the settings the scene declared (an earlier
# connection's Welcome config does not stay).
func on_connected(is_realtime: bool) -> void:
	if _declared.is_empty():
		_declared = {"max_steps": max_steps, "frame_skip": frame_skip, "repeat_action": repeat_action}
	max_steps = _declared["max_steps"]
	frame_skip = _declared["frame_skip"]
	repeat_action = _declared["repeat_action"]
	realtime = is_realtime
	phase = Phase.IDLE
	steps = 0
	reward = 0.0
	done = false
	truncated = false
	_new_episode = false
	_frames_left = 0
	_has_action = false

# The Welcome's per-agent config: known fields override the exported settings. A field of
# the wrong kind or out of range is ignored, frame_skip 0 counts as 1, and of two fields with
# the same name the first counts (PROTOCOL.md section 5).
func configure(fields: Array) -> void:
	var seen := {}
	for f in fields:
		if seen.has(f["name"]):
			continue
		seen[f["name"]] = true
		var v: Dictionary = f["value"]
		var in_range: bool = v["kind"] == P.KIND_INT and v["value"] >= 0 and v["value"] <= 4294967295
		match f["name"]:
			"max_steps":
				if in_range:
					max_steps = v["value"]
			"frame_skip":
				if in_range:
					frame_skip = v["value"]
			"repeat_action":
				if v["kind"] == P.KIND_BOOL:
					repeat_action = v["value"]
	frame_skip = int(max(1, frame_skip))

func _active_sensors() -> Array:
	var out := []
	for s in _sensors:
		if s.is_active():
			out.append(s)
	return out

# ------------------------------------------------------------------ the frame

# Start of a physics frame: account for the frame the world just simulated (rewards, the
# task's end, the end of the decision period, max steps).
func begin_frame() -> void:
	if phase != Phase.RUNNING or _frames_left <= 0:
		return
	for r in _rewards:
		if r.enabled:
			reward += r.frame_reward(self)
			if r.ends_episode(self):
				done = true
	_frames_left -= 1
	# An episode that ended mid-period reports at once rather than after the period.
	if done:
		_frames_left = 0
	if _frames_left > 0:
		return
	if _decision:
		steps += 1
		for r in _rewards:
			if r.enabled:
				reward += r.decision_reward(self)
	if not done and max_steps > 0 and steps >= max_steps:
		truncated = true

# In an episode that has had its first Act: what a new episode aligns with.
func is_acting() -> bool:
	return phase == Phase.RUNNING and not _new_episode

func decision_due() -> bool:
	return _frames_left == 0

# Idle and paused agents are in every tick (they wait for a command); running ones when a
# decision is due. A new episode is reported when `aligned`: with the next decision of the
# connection's acting agents, or at once if none is acting (the Requestor decides). Stopped
# agents never are.
func wants_tick(aligned := true) -> bool:
	match phase:
		Phase.IDLE, Phase.PAUSED:
			return true
		Phase.RUNNING:
			return aligned if _new_episode else _frames_left == 0
	return false

# This agent's entry of the tick. Reading it consumes the reward, and the episode's last
# tick (done or truncated) leaves the agent idle.
func tick_state() -> Dictionary:
	var status := P.STATUS_IDLE
	var fields := []
	if phase == Phase.PAUSED:
		status = P.STATUS_PAUSED
		fields = read_sensors()
	elif phase == Phase.RUNNING:
		status = P.STATUS_NEW_EPISODE if _new_episode else P.STATUS_STEP
		fields = read_sensors()
	var s := {"id": agent_id, "status": status, "reward": reward, "done": done,
		"truncated": truncated, "steps": steps, "fields": fields}
	reward = 0.0
	if phase == Phase.RUNNING and (done or truncated):
		phase = Phase.IDLE
		_has_action = false
		emit_signal("episode_ended", done, truncated, steps)
	return s

# One field per field name; float-array sensors that share a name are concatenated.
func read_sensors() -> Array:
	var fields := []
	var index := {}
	for s in _active_sensors():
		var n: String = s.field_name
		var v: Dictionary = s.read_value(self)
		var why := P.check_value(v)
		if why != "":
			push_error("ai4u: sensor %s: %s" % [s.get_path(), why])
			continue
		if index.has(n):
			var prev: Dictionary = fields[index[n]]["value"]
			if prev["kind"] != P.KIND_FLOAT_ARRAY or v["kind"] != P.KIND_FLOAT_ARRAY:
				push_error("ai4u: sensors sharing field `%s` must all be float arrays" % n)
				continue
			var data: PackedFloat32Array = prev["data"]
			data.append_array(v["data"])
			fields[index[n]]["value"] = P.float_array_value([data.size()], data)
		else:
			index[n] = fields.size()
			fields.append(P.field(n, v))
	return fields

# A command from the reply to the tick this agent was in (Wait when it had none).
func on_command(c: Dictionary) -> void:
	match c["command"]:
		P.CMD_ACT:
			if phase != Phase.RUNNING or _frames_left != 0:
				return
			_commanded.clear()
			if c["name"] == "":
				# Several actuators in one decision: each field names one and carries its
				# one argument.
				for f in c["fields"]:
					_act_on(f["name"], [f["value"]])
			else:
				_act_on(c["name"], c["args"])
			_new_episode = false
			_has_action = true
			_applied_once = false
			_decision = true
			_frames_left = frame_skip
		P.CMD_WAIT:
			# Lockstep: no decision yet, the agent stays due. Realtime: the last action goes on
			# for another period, which is no new decision (no step).
			if realtime and phase == Phase.RUNNING and _frames_left == 0 and not _new_episode and _has_action:
				_decision = false
				_frames_left = frame_skip
		P.CMD_RESET:
			if phase != Phase.STOPPED:
				reset(c["fields"])
		P.CMD_PAUSE:
			if phase == Phase.RUNNING:
				phase = Phase.PAUSED
		P.CMD_RESUME:
			if phase == Phase.PAUSED:
				phase = Phase.RUNNING
		P.CMD_STOP:
			phase = Phase.STOPPED

func _act_on(action_name: String, args: Array) -> void:
	var a = get_actuator(action_name)
	if a == null:
		push_warning("ai4u: agent %s has no actuator `%s`; action ignored" % [agent_id, action_name])
		return
	var why: String = a.act(args)
	if why != "":
		push_warning("ai4u: agent %s: %s; action ignored" % [agent_id, why])
	else:
		_commanded[a] = true

# End of the frame, before the world steps: running agents in a period apply their action
# (`active` false on the repeated frames when repeat_action is off, and for the actuators
# the decision did not command, so only their physics goes on).
func end_frame(dt: float) -> void:
	if phase != Phase.RUNNING or _frames_left <= 0:
		return
	var active := repeat_action or not _applied_once
	for a in _actuators.values():
		a.apply(self, dt, active and _commanded.has(a))
	_applied_once = true

# Starts a new episode: the scene resets its part of the world (episode_reset), then every
# sensor, actuator and reward resets its own memory.
func reset(fields: Array) -> void:
	phase = Phase.RUNNING
	steps = 0
	reward = 0.0
	done = false
	truncated = false
	episode += 1
	_frames_left = 0
	_has_action = false
	_commanded.clear()
	_new_episode = true
	emit_signal("episode_reset", fields_to_dict(fields))
	for n in _sensors + _actuators.values() + _rewards:
		n.on_episode_start(self)

# A field list as {name: plain value}: scalars unwrapped, arrays and images as their dicts.
static func fields_to_dict(fields: Array) -> Dictionary:
	var out := {}
	for f in fields:
		var v: Dictionary = f["value"]
		out[f["name"]] = v["value"] if v.has("value") else v
	return out
