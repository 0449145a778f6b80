# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# The last action the agent's actuator received (SAMPLESCENE.md: last fb, lr, j, jf), zeros
# at the start of an episode. Reads the agent's actuator named `action_name`.
extends "res://addons/ai4u/sensors/sensor.gd"

@export var action_name := "move"
@export var size := 4

func get_shape() -> Array:
	return [size]

func read(agent) -> PackedFloat32Array:
	var act = agent.get_actuator(action_name)
	var out := PackedFloat32Array()
	out.resize(size)
	for i in range(size):
		out[i] = 0.0
	if act != null:
		var last: PackedFloat32Array = act.last_action
		for i in range(min(size, last.size())):
			out[i] = last[i]
	return out
