//! The JSON shapes of signing in and of the caller's own account.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_store::tokens::TokenInfo;

use crate::users::dto::{GrantDto, UserDto};

#[derive(Debug, Serialize, ToSchema)]
pub struct MeDto {
    pub user: UserDto,
    pub grants: Vec<GrantDto>,
    /// Every permission held anywhere.
    pub permissions: Vec<&'static str>,
    /// For cookie sessions: send it as `X-CSRF-Token` with changes.
    pub csrf_token: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// A staff login or a resident's phone number in any usual form.
    pub login: String,
    pub password: String,
    /// `api` (default) or `device` (the staff mobile app).
    pub kind: Option<String>,
    /// Shown in the owner's list of tokens.
    pub device_name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CodeRequest {
    /// A resident's phone number in any usual form.
    pub phone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CodeSentResponse {
    /// The number in E.164 form.
    pub phone: String,
    /// How long the code may be used.
    pub expires_in_secs: i64,
    /// When another code may be asked for.
    pub resend_after_secs: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CodeLoginRequest {
    pub phone: String,
    /// The six digits of the text.
    pub code: String,
    /// `api` (default) or `device` (an app).
    pub kind: Option<String>,
    /// Shown in the owner's list of tokens.
    pub device_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`. Shown only here.
    pub token: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub user: UserDto,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProfileRequest {
    /// Leave out to keep.
    pub display_name: Option<String>,
    /// Leave out to keep; `null` or `""` to remove.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// Leave out to keep; `null` or `""` to remove.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// `ru` or `en`; leave out to keep.
    pub locale: Option<String>,
}

/// A field sent (a value or `null`) as `Some`, so that only an absent
/// field is left unchanged by a `PATCH`.
fn present_or_null<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

impl From<ProfileRequest> for domovoy_app::users::ProfilePatch {
    fn from(body: ProfileRequest) -> Self {
        Self { display_name: body.display_name, email: body.email, phone: body.phone, locale: body.locale }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChangeRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenDto {
    pub id: Uuid,
    /// `session`, `api` or `device`.
    pub kind: &'static str,
    pub name: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The token of this request.
    pub current: bool,
}

impl TokenDto {
    pub fn new(t: &TokenInfo, current: domovoy_domain::ids::TokenId) -> Self {
        Self {
            id: t.id.as_uuid(),
            kind: t.kind.code(),
            name: t.name.clone(),
            ip: t.ip.clone(),
            user_agent: t.user_agent.clone(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
            current: t.id == current,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTokenRequest {
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenDto {
    /// Send as `Authorization: Bearer <token>`. Shown only here.
    pub token: String,
    pub info: TokenDto,
}
