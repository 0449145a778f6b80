# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# Base of every ai4u sensor. An Agent reads its sensor children at each tick it sends;
# float-array sensors that share a `field_name` are concatenated, in child order, into one
# field of shape [total] (that is how the SampleScene's `array` is built from four sensors).
extends Node

const P := preload("res://addons/ai4u/protocol.gd")

@export var field_name := "array"
@export var enabled := true

# False removes the sensor from the Hello metadata and from every tick.
func is_active() -> bool:
	return enabled

func value_kind() -> int:
	return P.KIND_FLOAT_ARRAY

func get_shape() -> Array:
	return [1]

func get_range_min() -> float:
	return -1.0

func get_range_max() -> float:
	return 1.0

# Float-array sensors override this: the readings, row-major, as many as get_shape() holds.
func read(_agent) -> PackedFloat32Array:
	return PackedFloat32Array()

# Other kinds (images, ints...) override this instead and return a protocol value.
func read_value(agent) -> Dictionary:
	return P.float_array_value(get_shape(), read(agent))

func on_episode_start(_agent) -> void:
	pass
