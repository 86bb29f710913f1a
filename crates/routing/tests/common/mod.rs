//! A simulated hub for the tests: it feeds the engine in simulated time, follows the drain
//! rule, and checks the invariants after every step.
#![allow(dead_code)]

use pupitre_routing::{
    AgentConfig, AgentId, AssignCause, Channel, ChosenStatus, ConversationId, ConversationState,
    Engine, GroupConfig, GroupId, Input, Millis, Output, RoutingError, Settings, Timeouts,
    WeeklyHours,
};

/// Monday 1 January 2024, 09:00 UTC.
pub const T0: Millis = 1_704_099_600_000;

pub fn settings() -> Settings {
    Settings {
        queue_per_agent: 2,
        async_messaging: true,
        reopen_to_previous_agent: false,
        timeouts: Timeouts::default(),
        timezone: "UTC".into(),
    }
}

pub struct Sim {
    pub engine: Engine,
    pub now: Millis,
}

impl Sim {
    pub fn new(settings: Settings) -> Self {
        Self {
            engine: Engine::new(settings),
            now: T0,
        }
    }

    /// Default settings, group 1 always open.
    pub fn basic() -> Self {
        let mut sim = Self::new(settings());
        sim.group(1, None);
        sim
    }

    pub fn group(&mut self, id: GroupId, hours: Option<WeeklyHours>) {
        self.input(Input::UpsertGroup(GroupConfig { id, hours }));
    }

    /// An agent on chat in `groups`, not connected yet.
    pub fn agent_config(&mut self, id: AgentId, groups: &[GroupId], slot_max: u32) {
        self.input(Input::UpsertAgent(AgentConfig {
            id,
            groups: groups.to_vec(),
            slot_max,
            channels: vec![Channel::Chat],
        }));
    }

    /// An agent on chat in `groups`, connected and available.
    pub fn agent(&mut self, id: AgentId, groups: &[GroupId], slot_max: u32) -> Vec<Output> {
        self.agent_config(id, groups, slot_max);
        self.input(Input::AgentConnected { agent: id });
        self.input(Input::SetStatus {
            agent: id,
            channel: Channel::Chat,
            status: ChosenStatus::Available,
        })
    }

    pub fn try_input(&mut self, input: Input) -> Result<Vec<Output>, RoutingError> {
        let before = format!("{:?}", self.engine);
        match self.engine.handle(self.now, input.clone()) {
            Ok(()) => {
                let outputs = self.drain();
                self.check();
                Ok(outputs)
            }
            Err(e) => {
                assert_eq!(
                    self.engine.poll_output(),
                    None,
                    "{input:?} failed with outputs"
                );
                assert_eq!(
                    before,
                    format!("{:?}", self.engine),
                    "{input:?} failed with changes"
                );
                Err(e)
            }
        }
    }

    pub fn input(&mut self, input: Input) -> Vec<Output> {
        let shown = format!("{input:?}");
        self.try_input(input)
            .unwrap_or_else(|e| panic!("{shown}: {e}"))
    }

    pub fn new_chat(&mut self, conversation: ConversationId, group: GroupId) -> Vec<Output> {
        self.input(Input::NewConversation {
            conversation,
            group,
            channel: Channel::Chat,
        })
    }

    pub fn drain(&mut self) -> Vec<Output> {
        std::iter::from_fn(|| self.engine.poll_output()).collect()
    }

    pub fn check(&self) {
        if let Err(e) = self.engine.check_invariants(self.now) {
            panic!("invariant broken at {}: {e}", self.now);
        }
    }

    /// Lets `dt` pass, waking the engine at every deadline on the way (the drain rule).
    pub fn advance(&mut self, dt: Millis) -> Vec<Output> {
        self.advance_to(self.now + dt)
    }

    pub fn advance_to(&mut self, target: Millis) -> Vec<Output> {
        let mut outputs = Vec::new();
        while let Some(at) = self.engine.poll_timeout() {
            if at > target {
                break;
            }
            self.now = self.now.max(at);
            self.engine.handle_timeout(self.now);
            outputs.extend(self.drain());
            self.check();
            if let Some(next) = self.engine.poll_timeout() {
                assert!(
                    next > self.now,
                    "poll_timeout {next} not after handled {}",
                    self.now
                );
            }
        }
        self.now = self.now.max(target);
        outputs
    }

    pub fn state(&self, id: ConversationId) -> ConversationState {
        self.engine
            .conversation(id)
            .expect("conversation exists")
            .state
            .clone()
    }

    pub fn holder(&self, id: ConversationId) -> Option<AgentId> {
        self.engine.conversation(id).and_then(|c| c.agent())
    }

    pub fn load(&self, agent: AgentId) -> u32 {
        self.engine.agent(agent).expect("agent exists").load
    }
}

pub fn assigned(conversation: ConversationId, agent: AgentId, cause: AssignCause) -> Output {
    Output::Assigned {
        conversation,
        agent,
        cause,
    }
}

/// The `Assigned` outputs among `outputs`, as (conversation, agent).
pub fn assignments(outputs: &[Output]) -> Vec<(ConversationId, AgentId)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Assigned {
                conversation,
                agent,
                ..
            } => Some((*conversation, *agent)),
            _ => None,
        })
        .collect()
}
