# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# A camera picture from a SubViewport, sent as a raw u8 RGB image (kind image, HWC, top row
# first) of the viewport's size. Headless Godot (--headless) renders nothing, so the
# sensor switches itself off there and is then left out of the Hello and of every tick.
extends "res://addons/ai4u/sensors/sensor.gd"

@export var viewport := NodePath()

func _init() -> void:
	field_name = "camera"

static func is_headless() -> bool:
	return DisplayServer.get_name() == "headless"

func is_active() -> bool:
	return enabled and not is_headless() and get_node_or_null(viewport) is SubViewport

func value_kind() -> int:
	return P.KIND_IMAGE

func get_shape() -> Array:
	var vp := get_node_or_null(viewport) as SubViewport
	return [0, 0, 3] if vp == null else [int(vp.size.y), int(vp.size.x), 3]

func get_range_min() -> float:
	return 0.0

func get_range_max() -> float:
	return 255.0

func read_value(_agent) -> Dictionary:
	var vp := get_node(viewport) as SubViewport
	# Godot 4 images come out top row first, as the wire wants.
	var img := vp.get_texture().get_image()
	img.convert(Image.FORMAT_RGB8)
	return P.image_value(img.get_width(), img.get_height(), 3, P.PIXEL_U8, P.ENCODING_RAW, img.get_data())
