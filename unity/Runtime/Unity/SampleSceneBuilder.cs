using System.Collections.Generic;
using UnityEngine;

namespace Ai4u.Unity
{
    /// <summary>
    /// One SampleScene area (docs/SAMPLESCENE.md): a platform, a red target cube and an
    /// agent. On each episode it places the agent and the cube at random (seeded by the
    /// Reset's <c>seed</c>), the agent with |x|, |z| ≤ 7 and the cube with |x|, |z| ≤ 8 at least
    /// 4 m away.
    /// </summary>
    public class SampleSceneArea : MonoBehaviour, IEpisodeListener
    {
        public int index;
        public Transform agentRoot;
        public Transform target;
        System.Random rng;

        public void OnEpisodeBegin(BasicAgent agent, List<Field> resetFields)
        {
            if (agent.EpisodeSeed.HasValue || rng == null) rng = SampleSceneSpec.NewRandom(agent.EpisodeSeed, index);
            float ax, az, yaw, tx, tz;
            SampleSceneSpec.SampleStart(rng, out ax, out az, out yaw, out tx, out tz);
            var centre = transform.position;
            var body = agentRoot.GetComponent<Rigidbody>();
            var pos = centre + new Vector3(ax, 0f, az);
            var rot = Quaternion.Euler(0f, yaw, 0f);
            // Teleport: set both the transform and the body so PhysX and the sensors agree now.
            agentRoot.SetPositionAndRotation(pos, rot);
            if (body != null)
            {
                body.position = pos;
                body.rotation = rot;
                body.velocity = Vector3.zero;
                body.angularVelocity = Vector3.zero;
            }
            target.position = centre + new Vector3(tx, SampleSceneSpec.TargetSize / 2f, tz);
            Physics.SyncTransforms();
        }
    }

    /// <summary>
    /// Builds the SampleScene procedurally (no binary scene assets): one area per agent, 30 m
    /// apart along +X, each with its platform, target and agent (capsule, Rigidbody, move
    /// actuator, array and vision sensors, step/touch/fall rewards), plus a ControlRequestor
    /// serving all agents. Honours <c>--ai4u_agents</c> and <c>--ai4u_max_steps</c>.
    /// </summary>
    [AddComponentMenu("AI4U/SampleScene Builder")]
    public class SampleSceneBuilder : MonoBehaviour
    {
        [Tooltip("Number of agents (areas); --ai4u_agents overrides it.")]
        public int agents = 1;
        [Tooltip("Episode length in decisions; --ai4u_max_steps overrides it.")]
        public int maxSteps = (int)SampleSceneSpec.MaxSteps;
        [Tooltip("Build in Awake (play mode). The editor menu also builds a preview in edit mode.")]
        public bool buildOnAwake = true;
        [Tooltip("Add a camera that overlooks the first area.")]
        public bool addCamera = true;

        void Awake()
        {
            if (!buildOnAwake) return;
            var cl = ControlRequestor.CommandLine;
            if (cl.Agents.HasValue) agents = cl.Agents.Value;
            if (cl.MaxSteps.HasValue) maxSteps = (int)cl.MaxSteps.Value;
            Build();
        }

        /// <summary>Destroys what a previous build made and builds the scene again.</summary>
        public void Build()
        {
            for (int i = transform.childCount - 1; i >= 0; i--)
            {
                var child = transform.GetChild(i).gameObject;
                // Destroy is deferred to the end of the frame: deactivate first so a saved
                // preview's requestor never starts (it would connect with the same ids).
                child.SetActive(false);
                if (Application.isPlaying) Destroy(child);
                else DestroyImmediate(child);
            }
            // The contract's physics: 50 Hz, standard gravity.
            Time.fixedDeltaTime = SampleSceneSpec.Dt;
            Physics.gravity = new Vector3(0f, -SampleSceneSpec.Gravity, 0f);

            var slippery = new PhysicMaterial("ai4u-frictionless")
            {
                dynamicFriction = 0f, staticFriction = 0f,
                frictionCombine = PhysicMaterialCombine.Minimum, bounciness = 0f,
            };
            var list = new List<BasicAgent>();
            for (int k = 0; k < Mathf.Max(1, agents); k++) list.Add(BuildArea(k, slippery));

            var requestorGo = new GameObject("ControlRequestor");
            requestorGo.transform.SetParent(transform, false);
            var requestor = requestorGo.AddComponent<ControlRequestor>();
            requestor.agents = list;

            if (addCamera)
            {
                var camGo = new GameObject("Overview Camera");
                camGo.transform.SetParent(transform, false);
                camGo.AddComponent<Camera>();
                camGo.transform.position = new Vector3(0f, 18f, -22f);
                camGo.transform.rotation = Quaternion.Euler(40f, 0f, 0f);
            }
            if (FindObjectOfType<Light>() == null)
            {
                var lightGo = new GameObject("Sun");
                lightGo.transform.SetParent(transform, false);
                var light = lightGo.AddComponent<Light>();
                light.type = LightType.Directional;
                lightGo.transform.rotation = Quaternion.Euler(50f, -30f, 0f);
            }
        }

        BasicAgent BuildArea(int k, PhysicMaterial slippery)
        {
            var area = new GameObject("Area " + k);
            area.transform.SetParent(transform, false);
            area.transform.localPosition = new Vector3(SampleSceneSpec.AreaCentreX(k), 0f, 0f);
            var areaComp = area.AddComponent<SampleSceneArea>();
            areaComp.index = k;

            // Platform: a box whose top face is the 20 × 20 square at y = 0.
            var platform = GameObject.CreatePrimitive(PrimitiveType.Cube);
            platform.name = "Platform";
            platform.transform.SetParent(area.transform, false);
            platform.transform.localScale = new Vector3(2 * SampleSceneSpec.PlatformHalf, 1f, 2 * SampleSceneSpec.PlatformHalf);
            platform.transform.localPosition = new Vector3(0f, -0.5f, 0f);
            platform.AddComponent<ObjectCode>().code = SampleSceneSpec.CodeFloor;
            platform.GetComponent<Collider>().sharedMaterial = slippery;
            Tint(platform, new Color(0.55f, 0.55f, 0.6f));

            var target = GameObject.CreatePrimitive(PrimitiveType.Cube);
            target.name = "Target";
            target.transform.SetParent(area.transform, false);
            target.transform.localScale = Vector3.one * SampleSceneSpec.TargetSize;
            target.transform.localPosition = new Vector3(0f, SampleSceneSpec.TargetSize / 2f, 5f);
            target.AddComponent<ObjectCode>().code = SampleSceneSpec.CodeTarget;
            Tint(target, Color.red);

            // Agent: origin at the feet; the capsule collider is centred 1 m up.
            var agentGo = new GameObject("Agent " + k);
            agentGo.transform.SetParent(area.transform, false);
            var capsule = agentGo.AddComponent<CapsuleCollider>();
            capsule.radius = SampleSceneSpec.AgentRadius;
            capsule.height = SampleSceneSpec.AgentHeight;
            capsule.center = new Vector3(0f, SampleSceneSpec.AgentHeight / 2f, 0f);
            capsule.sharedMaterial = slippery;
            var body = agentGo.AddComponent<Rigidbody>();
            body.interpolation = RigidbodyInterpolation.Interpolate;
            body.collisionDetectionMode = CollisionDetectionMode.Continuous;
            agentGo.AddComponent<ObjectCode>().code = SampleSceneSpec.CodeAgent;
            var visual = GameObject.CreatePrimitive(PrimitiveType.Capsule);
            visual.name = "Body";
            DestroyCollider(visual);
            visual.transform.SetParent(agentGo.transform, false);
            visual.transform.localPosition = new Vector3(0f, 1f, 0f);
            Tint(visual, new Color(0.2f, 0.45f, 0.9f));

            var actuator = agentGo.AddComponent<RigidBodyMoveActuator>();
            actuator.actionName = SampleSceneSpec.MoveAction;

            // array[7] = orientation (2) + on ground (1) + last action (4), in that order.
            var orientation = agentGo.AddComponent<OrientationSensor>();
            orientation.fieldName = SampleSceneSpec.ArrayField;
            orientation.target = target.transform;
            var ground = agentGo.AddComponent<OnGroundSensor>();
            ground.fieldName = SampleSceneSpec.ArrayField;
            var last = agentGo.AddComponent<LastActionSensor>();
            last.fieldName = SampleSceneSpec.ArrayField;
            last.actuator = actuator;
            var vision = agentGo.AddComponent<RayCastGridSensor>();
            vision.fieldName = SampleSceneSpec.VisionField;
            vision.rangeMin = 0f;
            vision.rangeMax = 255f;

            agentGo.AddComponent<StepReward>();
            agentGo.AddComponent<TouchReward>().target = target.transform;
            agentGo.AddComponent<FallReward>();

            var agent = agentGo.AddComponent<BasicAgent>();
            agent.agentId = k.ToString();
            agent.maxSteps = maxSteps;
            agent.frameSkip = SampleSceneSpec.FrameSkip;
            agent.repeatAction = true;

            areaComp.agentRoot = agentGo.transform;
            areaComp.target = target.transform;
            return agent;
        }

        static void DestroyCollider(GameObject go)
        {
            var c = go.GetComponent<Collider>();
            if (c == null) return;
            if (Application.isPlaying) Destroy(c);
            else DestroyImmediate(c);
        }

        static void Tint(GameObject go, Color color)
        {
            var r = go.GetComponent<Renderer>();
            if (r == null) return;
            // A per-object material instance built from the primitive's default shader
            // (works in the built-in pipeline; URP/HDRP users re-skin as they like).
            var m = new Material(r.sharedMaterial) { color = color };
            r.sharedMaterial = m;
        }
    }
}
