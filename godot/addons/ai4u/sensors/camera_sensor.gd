# A camera picture from a Viewport, sent as a raw u8 RGB image (kind image, HWC, top row
# first) of the viewport's size. Headless Godot (godot3-server) renders nothing, so the
# sensor switches itself off there and is then left out of the Hello and of every tick.
extends "res://addons/ai4u/sensors/sensor.gd"

export var viewport := NodePath()
# Frames of one colour in a row after which the sensor warns (once) that nothing renders.
export var blank_frames_warning := 20

var _said_headless := false
var _blank_run := 0
var _said_blank := false

func _init() -> void:
	field_name = "camera"

static func is_headless() -> bool:
	return OS.has_feature("Server") or VisualServer.get_video_adapter_name() == ""

func is_active() -> bool:
	if enabled and is_headless() and not _said_headless:
		# Loud once: a headless build silently sending no pictures would train blind.
		printerr("ai4u: camera sensor `%s` is off: this Godot renders nothing (headless or server build); run it with a display (e.g. xvfb-run) to get frames" % field_name)
		_said_headless = true
	return enabled and not is_headless() and get_node_or_null(viewport) is Viewport

# True when a spread sample of pixels all have the first pixel's colour.
static func looks_blank(data: PoolByteArray) -> bool:
	var n := data.size() / 3
	if n == 0:
		return true
	var step: int = int(max(1, n / 64))
	for i in range(0, n, step):
		for k in range(3):
			if data[i * 3 + k] != data[k]:
				return false
	return true

func value_kind() -> int:
	return P.KIND_IMAGE

func get_shape() -> Array:
	var vp := get_node_or_null(viewport) as Viewport
	return [0, 0, 3] if vp == null else [int(vp.size.y), int(vp.size.x), 3]

func get_range_min() -> float:
	return 0.0

func get_range_max() -> float:
	return 255.0

func read_value(_agent) -> Dictionary:
	var vp := get_node(viewport) as Viewport
	var img := vp.get_texture().get_data()
	# Godot 3 viewport textures come out bottom row first.
	img.flip_y()
	img.convert(Image.FORMAT_RGB8)
	var data := img.get_data()
	_blank_run = _blank_run + 1 if looks_blank(data) else 0
	if _blank_run >= blank_frames_warning and not _said_blank:
		printerr("ai4u: camera sensor `%s` has sent %d frames of one colour in a row: is the camera looking at the scene, and is the game rendering?" % [field_name, _blank_run])
		_said_blank = true
	return P.image_value(img.get_width(), img.get_height(), 3, P.PIXEL_U8, P.ENCODING_RAW, data)
