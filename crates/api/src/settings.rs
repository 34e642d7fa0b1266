//! Account settings and saved delivery addresses (the seed's "settings" process).

use crate::endpoint::Endpoint as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::orders::PaymentMethod;

pub const SETTINGS_PATH: &str = crate::endpoint::GetSettings::ROUTE;
pub const ADDRESSES_PATH: &str = crate::endpoint::GetAddresses::ROUTE;

pub fn address_path(id: Uuid) -> String {
    crate::endpoint::PutAddress::path(&[&id])
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    En,
    Ru,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::En, Language::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Ru => "ru",
        }
    }

    /// The language of a [`Self::code`].
    pub fn from_code(code: &str) -> Option<Language> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ContactChannel {
    #[default]
    Email,
    Phone,
    Messenger,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NotificationSettings {
    pub order_status: bool,
    pub payments: bool,
    pub promotions: bool,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        Self {
            order_status: true,
            payments: true,
            promotions: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Accessibility {
    pub large_text: bool,
    pub high_contrast: bool,
    /// Every control in the lower half of the screen, for wheelchair users.
    pub reach_mode: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AccountSettings {
    pub language: Language,
    pub notifications: NotificationSettings,
    pub contact_channel: ContactChannel,
    pub preferred_payment: Option<PaymentMethod>,
    pub accessibility: Accessibility,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SavedAddress {
    pub id: Uuid,
    pub label: String,
    pub city: String,
    pub address: String,
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AddressInput {
    pub label: String,
    pub city: String,
    pub address: String,
    #[serde(default)]
    pub is_default: bool,
}
