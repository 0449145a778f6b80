# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# Base of every ai4u actuator: one named action, declared in the Hello as an output.
# The Agent calls act() when an Act command for `action_name` arrives and apply() on every
# physics frame of the decision period that follows.
extends Node

@export var action_name := "move"

# The last action received (what LastActionSensor reports); zeros after a reset.
var last_action := PackedFloat32Array()

func output_spec() -> Dictionary:
	return {"name": action_name, "continuous": true, "shape": [0],
		"range_min": PackedFloat32Array(), "range_max": PackedFloat32Array()}

# Takes the Act arguments; returns "" or why they were refused (the action is then ignored).
func act(_args: Array) -> String:
	return ""

# One physics frame of `dt` seconds; `active` is false on the repeated frames of a period
# when repeat_action is off, so only the physics (gravity, momentum) goes on.
func apply(_agent, _dt: float, _active: bool) -> void:
	pass

func on_episode_start(_agent) -> void:
	pass
