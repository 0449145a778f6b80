using UnityEngine;

namespace Ai4u.Unity
{
    /// <summary>Base of every actuator: executes the action named <see cref="actionName"/>.</summary>
    public abstract class Actuator : MonoBehaviour
    {
        [Tooltip("The action name the controller sends.")]
        public string actionName = "move";

        /// <summary>The last action applied (as floats), read by the last-action sensor.</summary>
        public float[] LastAction = new float[0];

        /// <summary>The agent this actuator belongs to.</summary>
        protected BasicAgent Owner { get; private set; }

        internal void Bind(BasicAgent agent) { Owner = agent; }

        /// <summary>The output declared in the Hello.</summary>
        public abstract OutputSpec Spec();

        /// <summary>Applies the agent's current action for the coming physics frame.</summary>
        public abstract void Act(Agent agent, bool firstFrame);

        /// <summary>A new episode began: forget the last action.</summary>
        public virtual void OnEpisodeBegin() { System.Array.Clear(LastAction, 0, LastAction.Length); }
    }

    /// <summary>
    /// The SampleScene's <c>move</c> on a Rigidbody: one float-array argument [fb, lr, j, jf].
    /// fb walks at fb × 4 m/s along the heading, lr turns at lr × 180 °/s (positive = right),
    /// j jumps up at j × 5 m/s and jf jumps forward (jf × 5 up, jf × 4 ahead), jumps only
    /// from the ground. Values are clamped to their ranges. Velocities are set rather than
    /// forces added so the motion matches the headless simulator frame for frame.
    /// </summary>
    [AddComponentMenu("AI4U/Actuators/Rigidbody Move Actuator")]
    [RequireComponent(typeof(Rigidbody))]
    public class RigidBodyMoveActuator : Actuator
    {
        public float walkSpeed = SampleSceneSpec.WalkSpeed;
        public float turnSpeed = SampleSceneSpec.TurnSpeed;
        public float jumpSpeed = SampleSceneSpec.JumpSpeed;
        public float jumpForwardSpeed = SampleSceneSpec.JumpForwardSpeed;
        [Tooltip("How far below the feet still counts as ground.")]
        public float groundTolerance = 0.1f;

        Rigidbody body;
        readonly float[] clamped = new float[4];

        void Awake()
        {
            LastAction = new float[4];
            body = GetComponent<Rigidbody>();
            // The capsule must not tip over: yaw only.
            body.constraints = RigidbodyConstraints.FreezeRotationX | RigidbodyConstraints.FreezeRotationZ;
        }

        public override OutputSpec Spec()
        {
            return new OutputSpec(actionName, true, new[] { 4 }, new[] { -1f, -1f, 0f, 0f }, new[] { 1f, 1f, 1f, 1f });
        }

        public override void Act(Agent agent, bool firstFrame)
        {
            if (body == null) Awake();
            SampleSceneSpec.ClampMove(agent.GetActionArgAsFloatArray(0), clamped);
            System.Array.Copy(clamped, LastAction, 4);
            float fb = clamped[0], lr = clamped[1], j = clamped[2], jf = clamped[3];
            float dt = Time.fixedDeltaTime;

            body.MoveRotation(Quaternion.Euler(0f, body.rotation.eulerAngles.y + lr * turnSpeed * dt, 0f));
            var forward = body.rotation * Vector3.forward;
            forward.y = 0;
            forward.Normalize();

            bool grounded = OnGroundSensor.IsGrounded(transform, Owner != null ? Owner.transform : transform, groundTolerance);
            var v = body.velocity;
            if (grounded)
            {
                // On the ground the action sets the horizontal speed; in the air momentum carries on.
                v.x = forward.x * fb * walkSpeed;
                v.z = forward.z * fb * walkSpeed;
                if (jf > 0f)
                {
                    v.y = jf * jumpSpeed;
                    v.x = forward.x * jf * jumpForwardSpeed;
                    v.z = forward.z * jf * jumpForwardSpeed;
                }
                else if (j > 0f)
                {
                    v.y = j * jumpSpeed;
                }
            }
            body.velocity = v;
        }

        public override void OnEpisodeBegin()
        {
            base.OnEpisodeBegin();
            if (body == null) Awake();
            body.velocity = Vector3.zero;
            body.angularVelocity = Vector3.zero;
        }
    }
}
