# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# Registers the ai4u nodes in the editor's "Create Node" dialog. The nodes work without
# the plugin enabled too: they are plain scripts, attach them to nodes of the base type.
@tool
extends EditorPlugin

const TYPES := [
	["Ai4uRequestor", "Node", "requestor.gd"],
	["Ai4uAgent", "Node", "agent.gd"],
	["Ai4uPositionSensor", "Node", "sensors/position_sensor.gd"],
	["Ai4uOrientationSensor", "Node", "sensors/orientation_sensor.gd"],
	["Ai4uOnGroundSensor", "Node", "sensors/on_ground_sensor.gd"],
	["Ai4uLastActionSensor", "Node", "sensors/last_action_sensor.gd"],
	["Ai4uRayCastGridSensor", "Node", "sensors/raycast_grid_sensor.gd"],
	["Ai4uCameraSensor", "Node", "sensors/camera_sensor.gd"],
	["Ai4uMoveActuator", "Node", "actuators/move_actuator.gd"],
	["Ai4uPerStepReward", "Node", "rewards/per_step_reward.gd"],
	["Ai4uTouchReward", "Node", "rewards/touch_reward.gd"],
	["Ai4uFallReward", "Node", "rewards/fall_reward.gd"],
	["Ai4uMinDistanceReward", "Node", "rewards/min_distance_reward.gd"],
]

func _enter_tree() -> void:
	var dir: String = get_script().resource_path.get_base_dir()
	for t in TYPES:
		add_custom_type(t[0], t[1], load(dir + "/" + t[2]), null)

func _exit_tree() -> void:
	for t in TYPES:
		remove_custom_type(t[0])
