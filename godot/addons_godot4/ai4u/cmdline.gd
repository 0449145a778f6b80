# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# Command-line overrides shared by every ai4u engine side (docs/SAMPLESCENE.md):
#   --ai4u_host=H --ai4u_port=P --ai4u_agents=K --ai4u_max_steps=N --ai4u_timescale=X
#   --ai4u_mode=lockstep|realtime --ai4u_token=T --ai4u_id_prefix=P
#   (plus --ai4u_timeout=SECONDS and --ai4u_connect_timeout=SECONDS here)
# Godot 4 keeps the arguments after `--` apart (OS.get_cmdline_user_args()), so both lists
# are scanned and only `--ai4u_*=` arguments are kept.
extends RefCounted

const PREFIX := "--ai4u_"

# {"port": "8080", ...} for every --ai4u_KEY=VALUE argument (the last one wins).
static func parse() -> Dictionary:
	return parse_args(OS.get_cmdline_args() + OS.get_cmdline_user_args())

static func parse_args(args: PackedStringArray) -> Dictionary:
	var out := {}
	for a in args:
		if a.begins_with(PREFIX) and a.find("=") > 0:
			var eq: int = a.find("=")
			out[a.substr(PREFIX.length(), eq - PREFIX.length())] = a.substr(eq + 1, a.length() - eq - 1)
	return out

static func get_string(key: String, default_value: String) -> String:
	return parse().get(key, default_value)

# The int value of --ai4u_KEY, or `default_value` when absent. A malformed number is an
# error the user must see, so it is reported and the default is kept.
static func get_int(key: String, default_value: int) -> int:
	var v: String = parse().get(key, "")
	if v == "":
		return default_value
	if not v.is_valid_int():
		printerr("ai4u: --ai4u_%s=%s is not an integer; using %d" % [key, v, default_value])
		return default_value
	return int(v)

static func get_float(key: String, default_value: float) -> float:
	var v: String = parse().get(key, "")
	if v == "":
		return default_value
	if not v.is_valid_float():
		printerr("ai4u: --ai4u_%s=%s is not a number; using %s" % [key, v, str(default_value)])
		return default_value
	return float(v)
