//! Self-service from the desktop window: the person's computers, their actions and their second
//! factor, asked of the server with the person's credential on this device. Online only: an
//! action is proved with a code at the moment it is asked for, so nothing here is queued; offline,
//! each call says the server cannot be reached.

use bellhop_proto::{
    Action, ActionId, ActionKind, ActionRequest, Device, DeviceId, FactorKind, SecondFactor,
};

use crate::Agent;
use crate::error::Result;

impl Agent {
    /// The computers assigned to the person.
    pub async fn my_devices(&self) -> Result<Vec<Device>> {
        let credential = self.user_credential()?;
        self.client()?.my_devices(&credential).await
    }

    /// The approved software offered to the person.
    pub async fn software(&self) -> Result<bellhop_proto::SoftwareCatalog> {
        let credential = self.user_credential()?;
        self.client()?.software(&credential).await
    }

    /// What confirms the person's actions.
    pub async fn second_factor(&self) -> Result<SecondFactor> {
        let credential = self.user_credential()?;
        self.client()?.second_factor(&credential).await
    }

    /// The person's actions on all their computers, newest first.
    pub async fn remote_actions(&self) -> Result<Vec<Action>> {
        let credential = self.user_credential()?;
        self.client()?.actions(&credential).await
    }

    pub async fn remote_action(&self, id: ActionId) -> Result<Action> {
        let credential = self.user_credential()?;
        self.client()?.action(&credential, id).await
    }

    /// Asks for `kind` on one of the person's computers (this one or another), to be proved by
    /// a code of `factor` (the server's choice when `None`).
    pub async fn request_action(
        &self,
        device: DeviceId,
        kind: ActionKind,
        factor: Option<FactorKind>,
        software: Option<String>,
    ) -> Result<Action> {
        let credential = self.user_credential()?;
        let req = ActionRequest {
            id: ActionId::new(),
            device_id: device,
            kind,
            software,
            factor,
        };
        self.client()?.request_action(&credential, &req).await
    }

    pub async fn verify_action(&self, id: ActionId, code: &str) -> Result<Action> {
        let credential = self.user_credential()?;
        self.client()?.verify_action(&credential, id, code).await
    }

    /// Stops an action its computer has not started (from the portal's side; a countdown on
    /// this computer is cancelled with `cancel_action_here`).
    pub async fn cancel_action(&self, id: ActionId) -> Result<Action> {
        let credential = self.user_credential()?;
        self.client()?.cancel_action(&credential, id).await
    }
}
