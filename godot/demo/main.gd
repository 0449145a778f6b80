# The SampleScene demo: K areas 30 m apart along +X (K from --ai4u_agents, default 1), agent
# ids "0".."K-1", episode length from --ai4u_max_steps (default 3000). The Requestor child
# connects on the first physics frame, once every area is in the tree; it quits with 0 when
# the controller stops every agent and with 1 on any failure.
extends Spatial

const Cmdline := preload("res://addons/ai4u/cmdline.gd")
const AreaScene := preload("res://area.tscn")

const AREA_SPACING := 30.0

func _ready() -> void:
	var k := Cmdline.get_int("agents", 1)
	var max_steps := Cmdline.get_int("max_steps", 3000)
	if k < 1 or max_steps < 0:
		printerr("ai4u: error: --ai4u_agents must be >= 1 and --ai4u_max_steps >= 0")
		get_tree().quit(1)
		return
	for i in range(k):
		var area := AreaScene.instance()
		area.name = "Area%d" % i
		area.translation = Vector3(AREA_SPACING * i, 0.0, 0.0)
		add_child(area)
		area.setup(i, max_steps)
