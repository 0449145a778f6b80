# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# The connection to an ai4u controller (PROTOCOL.md section 5).
#
# Serves every Agent node in `agent_group`. On its first physics frame it connects, sends
# the Hello and waits for the Welcome (or Reject). Then, on every physics frame, it sends
# ONE Tick carrying every agent that needs the controller (idle, paused, or with a decision
# due), blocks until the matching Reply arrives (with a timeout), hands each agent its
# command and lets running agents apply their actions before the world steps. Blocking the
# physics frame is what makes lockstep deterministic: the world only advances on decisions.
#
# When every agent is stopped it sends Bye, closes and (quit_when_done) quits with code 0.
# Any failure - controller unreachable, Reject, closed connection, timeout, malformed
# message - is printed as "ai4u: error: ..." and (quit_on_failure) quits with code 1.
extends Node

const P := preload("res://addons/ai4u/protocol.gd")
const Cmdline := preload("res://addons/ai4u/cmdline.gd")

signal connected(mode)
signal finished()
signal failed(reason)

enum Phase { START, RUNNING, FINISHED, FAILED }

@export var host := "127.0.0.1"
@export var port := 8080
@export_enum("lockstep", "realtime") var mode := "lockstep"
@export var token := ""
@export var connect_timeout := 10.0
# Seconds to wait for each Welcome or Reply before giving up.
@export var reply_timeout := 120.0
# The agents this connection serves: every node in this group (Agent's default group).
@export var agent_group := "ai4u_agent_node"
@export var engine_name := "godot"
# Prefixed to every agent id (--ai4u_id_prefix=w3-), so several instances of one game can
# serve one controller: w0-0, w0-1, w1-0, ...
@export var id_prefix := ""
@export var use_command_line := true
@export var quit_when_done := true
@export var quit_on_failure := true

var phase: int = Phase.START
var agents := []
var mode_in_force := P.MODE_LOCKSTEP
var seq := 0
var failure := ""

var _tcp := StreamPeerTCP.new()
var _inbuf := PackedByteArray()
var _dt := 0.02

func _ready() -> void:
	var fps: int = ProjectSettings.get_setting("physics/common/physics_ticks_per_second")
	_dt = 1.0 / float(fps)
	if use_command_line:
		host = Cmdline.get_string("host", host)
		port = Cmdline.get_int("port", port)
		mode = Cmdline.get_string("mode", mode)
		token = Cmdline.get_string("token", token)
		id_prefix = Cmdline.get_string("id_prefix", id_prefix)
		reply_timeout = Cmdline.get_float("timeout", reply_timeout)
		connect_timeout = Cmdline.get_float("connect_timeout", connect_timeout)
		# The world keeps its fixed step (_dt); a time scale only runs more steps per second.
		var scale := Cmdline.get_float("timescale", 1.0)
		if scale > 0.0 and scale != 1.0:
			Engine.physics_ticks_per_second = int(round(fps * scale))

func _physics_process(_delta: float) -> void:
	match phase:
		Phase.START:
			if _handshake():
				_frame()
		Phase.RUNNING:
			_frame()

func _notification(what: int) -> void:
	# Closing the window (or the tree) mid-session: leave politely.
	if what == NOTIFICATION_WM_CLOSE_REQUEST or what == NOTIFICATION_PREDELETE:
		if phase == Phase.RUNNING:
			_send({"type": P.MSG_BYE, "reason": "scene closed"})
			_tcp.disconnect_from_host()
			phase = Phase.FINISHED

# ------------------------------------------------------------------ session

func _handshake() -> bool:
	agents = get_tree().get_nodes_in_group(agent_group)
	if agents.is_empty():
		return _fail("no ai4u agents in group `%s` to serve" % agent_group)
	# From each agent's own id, kept aside, so a reconnect does not prefix twice.
	for a in agents:
		if not a.has_meta("ai4u_own_id"):
			a.set_meta("ai4u_own_id", a.agent_id)
		a.agent_id = id_prefix + a.get_meta("ai4u_own_id")
	var seen := {}
	for a in agents:
		if seen.has(a.agent_id):
			return _fail("two agents share the id `%s`" % a.agent_id)
		seen[a.agent_id] = true
	var want_mode := P.MODE_REALTIME if mode == "realtime" else P.MODE_LOCKSTEP
	if not mode in ["lockstep", "realtime"]:
		return _fail("mode `%s` is neither lockstep nor realtime" % mode)
	print("ai4u: connecting to %s:%d for %d agent(s)" % [host, port, agents.size()])
	if not _connect():
		return false
	var infos := []
	for a in agents:
		infos.append(a.hello_info())
	var hello := {"type": P.MSG_HELLO, "magic": P.MAGIC, "version": P.VERSION, "engine": engine_name,
		"engine_version": _engine_version(), "token": null if token == "" else token,
		"mode": want_mode, "agents": infos}
	if not _send(hello):
		return false
	var m := _receive("the Hello")
	if m["type"] == P.MSG_INVALID:
		return false
	if m["type"] == P.MSG_REJECT:
		return _fail("the controller rejected this engine: " + m["reason"])
	if m["type"] == P.MSG_ERROR:
		return _fail("the controller reported an error: " + m["reason"])
	if m["type"] != P.MSG_WELCOME:
		return _protocol_error("expected a Welcome or Reject, got a %s" % P.MSG_NAMES[m["type"]])
	if m["version"] != P.VERSION:
		return _protocol_error("welcome version %d, this engine speaks %d" % [m["version"], P.VERSION])
	mode_in_force = m["mode"]
	var configs := {}
	for c in m["agents"]:
		if not configs.has(c["id"]):
			configs[c["id"]] = c["fields"]
	# Every agent starts idle, with its own settings plus this Welcome's config only.
	for a in agents:
		a.on_connected(mode_in_force == P.MODE_REALTIME)
		a.configure(configs.get(a.agent_id, []))
	phase = Phase.RUNNING
	print("ai4u: connected to %s:%d, %s mode" % [host, port, ["lockstep", "realtime"][mode_in_force]])
	emit_signal("connected", mode_in_force)
	return true

# One physics frame: account for the last step, one Tick/Reply round trip, apply actions.
func _frame() -> void:
	for a in agents:
		a.begin_frame()
	# A fresh episode reports with the next decision of the agents already acting, so agents
	# reset at different frames decide together again (a controller stepping them as a batch,
	# like VecEnv, would otherwise wait on itself). An episode that ends in mid-period is no
	# decision: the batch still waits for the others' period ends.
	var acting := false
	var any_due := false
	for a in agents:
		if a.is_acting():
			acting = true
			any_due = any_due or (a.decision_due() and not a.done)
	var ticked := []
	for a in agents:
		if a.wants_tick(not acting or any_due):
			ticked.append(a)
	if not ticked.is_empty():
		var states := []
		for a in ticked:
			states.append(a.tick_state())
		if not _send({"type": P.MSG_TICK, "seq": seq, "agents": states}):
			return
		var m := _receive("tick %d" % seq)
		if m["type"] == P.MSG_INVALID:
			return
		if m["type"] == P.MSG_ERROR:
			_fail("the controller reported an error: " + m["reason"])
			return
		if m["type"] != P.MSG_REPLY:
			_protocol_error("expected the Reply to tick %d, got a %s" % [seq, P.MSG_NAMES[m["type"]]])
			return
		if m["seq"] != seq:
			_protocol_error("reply seq %d does not match tick seq %d" % [m["seq"], seq])
			return
		var commands := {}
		for c in m["commands"]:
			commands[c["id"]] = c
		for a in ticked:
			a.on_command(commands.get(a.agent_id, {"command": P.CMD_WAIT}))
		seq += 1
	var all_stopped := true
	for a in agents:
		a.end_frame(_dt)
		if a.phase != a.Phase.STOPPED:
			all_stopped = false
	if all_stopped:
		_finish()

func _finish() -> void:
	_send({"type": P.MSG_BYE, "reason": "all agents stopped"})
	_tcp.disconnect_from_host()
	phase = Phase.FINISHED
	print("ai4u: every agent stopped after %d ticks; bye" % seq)
	emit_signal("finished")
	if quit_when_done:
		get_tree().quit(0)

# ------------------------------------------------------------------ transport

# Retries until `connect_timeout` (--ai4u_connect_timeout=SECS): the controller may start
# after the game (a launcher, a trainer that loads first), as ai4u-sim does.
func _connect() -> bool:
	var deadline := Time.get_ticks_msec() + int(connect_timeout * 1000.0)
	var said := false
	while true:
		_tcp = StreamPeerTCP.new()
		if _tcp.connect_to_host(host, port) == OK:
			while _tcp_status() == StreamPeerTCP.STATUS_CONNECTING and Time.get_ticks_msec() <= deadline:
				OS.delay_usec(1000)
			if _tcp_status() == StreamPeerTCP.STATUS_CONNECTED:
				_tcp.set_no_delay(true)
				return true
		if Time.get_ticks_msec() > deadline:
			break
		if not said:
			print("ai4u: waiting for the controller at %s:%d (up to %s s)" % [host, port, str(connect_timeout)])
			said = true
		OS.delay_msec(200)
	return _fail("cannot connect to the controller at %s:%d within %s s (is `ai4u serve` running?)" % [host, port, str(connect_timeout)])

# The connection's status (the Godot 4 port polls the socket here first).
func _tcp_status() -> int:
	_tcp.poll()
	return _tcp.get_status()

func _send(msg: Dictionary) -> bool:
	if _tcp_status() != StreamPeerTCP.STATUS_CONNECTED:
		return _fail("the controller closed the connection")
	var err := _tcp.put_data(P.frame(P.encode(msg)))
	if err != OK:
		return _fail("cannot send a %s to the controller (error %d)" % [P.MSG_NAMES[msg["type"]], err])
	return true

# Blocks until one whole message, the answer to `what`, has arrived. On failure it has
# already reported it and returns {"type": MSG_INVALID}.
func _receive(what: String) -> Dictionary:
	var deadline := Time.get_ticks_msec() + int(reply_timeout * 1000.0)
	var nap := 20
	while true:
		if _inbuf.size() >= 4:
			var n := _inbuf.decode_u32(0)
			# The header is checked before the body is read (PROTOCOL.md section 6).
			var why := P.check_frame_len(n)
			if why != "":
				_protocol_error(why)
				return {"type": P.MSG_INVALID}
			if _inbuf.size() >= 4 + n:
				var payload := _inbuf.slice(4, 4 + n)
				_inbuf = _inbuf.slice(4 + n)
				var m := P.decode(payload)
				if m["type"] == P.MSG_INVALID:
					_protocol_error(m["error"])
				return m
		if _tcp_status() != StreamPeerTCP.STATUS_CONNECTED:
			_fail("the controller closed the connection while this engine waited for its answer to %s" % what)
			return {"type": P.MSG_INVALID}
		var avail := _tcp.get_available_bytes()
		if avail > 0:
			var got: Array = _tcp.get_partial_data(avail)
			if got[0] != OK:
				_fail("lost the connection to the controller while waiting for its answer to %s (error %d)" % [what, got[0]])
				return {"type": P.MSG_INVALID}
			_inbuf.append_array(got[1])
			nap = 20
			continue
		if Time.get_ticks_msec() > deadline:
			_fail("controller did not answer %s within %s s" % [what, str(reply_timeout)])
			return {"type": P.MSG_INVALID}
		# Short naps first (a lockstep reply usually comes within a millisecond), then
		# longer ones so a slow controller does not cost a busy core.
		OS.delay_usec(nap)
		nap = min(nap * 2, 2000)
	return {"type": P.MSG_INVALID}

func _protocol_error(reason: String) -> bool:
	if _tcp_status() == StreamPeerTCP.STATUS_CONNECTED:
		_tcp.put_data(P.frame(P.encode({"type": P.MSG_ERROR, "reason": reason})))
	return _fail("protocol error: " + reason)

func _fail(reason: String) -> bool:
	if phase == Phase.FAILED:
		return false
	phase = Phase.FAILED
	failure = reason
	_tcp.disconnect_from_host()
	printerr("ai4u: error: " + reason)
	emit_signal("failed", reason)
	if quit_on_failure:
		get_tree().quit(1)
	return false

static func _engine_version() -> String:
	var v := Engine.get_version_info()
	return "%d.%d.%d" % [v["major"], v["minor"], v["patch"]]
