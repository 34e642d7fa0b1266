//! Settings service: the signed-in customer's settings and saved delivery addresses.
//! Guests keep their settings on the kiosk for the session only.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use customerclient_api::payments::SavedCard;
use customerclient_api::settings::{AccountSettings, AddressInput, SavedAddress};
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentAccount;
use crate::error::AppError;
use crate::extract::{ApiJson, ApiPath};

pub fn router() -> crate::routes::Routes {
    use customerclient_api::endpoint as e;
    crate::routes::Routes::new()
        .at(e::GetSettings, get_settings)
        .at(e::PutSettings, put_settings)
        .at(e::GetAddresses, list_addresses)
        .at(e::AddAddress, add_address)
        .at(e::PutAddress, edit_address)
        .at(e::DeleteAddress, delete_address)
        .at(e::GetCards, list_cards)
        .at(e::DeleteCard, delete_card)
}

/// Saved cards: brand and last four only; the gateway token never leaves the server.
async fn list_cards(
    State(state): State<AppState>,
    crate::auth::Registered(current): crate::auth::Registered,
) -> Result<Json<Vec<SavedCard>>, AppError> {
    let id = registered(&current)?;
    Ok(Json(
        state
            .store
            .saved_cards(id)
            .await
            .map_err(anyhow::Error::from)?,
    ))
}

async fn delete_card(
    State(state): State<AppState>,
    crate::auth::Registered(current): crate::auth::Registered,
    ApiPath(card): ApiPath<Uuid>,
) -> Result<StatusCode, AppError> {
    let id = registered(&current)?;
    if !state
        .store
        .delete_saved_card(id, card)
        .await
        .map_err(anyhow::Error::from)?
    {
        return Err(AppError::NotFound("saved card"));
    }
    Ok(StatusCode::NO_CONTENT)
}

fn registered(current: &CurrentAccount) -> Result<Uuid, AppError> {
    if current.account.guest {
        return Err(AppError::Forbidden {
            code: "guest",
            message: "sign in to keep settings and addresses".into(),
        });
    }
    Ok(current.account.id)
}

async fn get_settings(
    State(state): State<AppState>,
    crate::auth::Registered(current): crate::auth::Registered,
) -> Result<Json<AccountSettings>, AppError> {
    let id = registered(&current)?;
    Ok(Json(
        state
            .store
            .settings(id)
            .await
            .map_err(anyhow::Error::from)?,
    ))
}

async fn put_settings(
    State(state): State<AppState>,
    crate::auth::Registered(current): crate::auth::Registered,
    ApiJson(settings): ApiJson<AccountSettings>,
) -> Result<Json<AccountSettings>, AppError> {
    let id = registered(&current)?;
    state
        .store
        .put_settings(id, &settings)
        .await
        .map_err(anyhow::Error::from)?;
    Ok(Json(settings))
}

fn check_address(input: &AddressInput) -> Result<(), AppError> {
    let len = |s: &str| s.trim().chars().count();
    if !(1..=40).contains(&len(&input.label)) {
        return Err(AppError::Validation(
            "the label needs 1–40 characters".into(),
        ));
    }
    if !(1..=80).contains(&len(&input.city)) {
        return Err(AppError::Validation("the city is required".into()));
    }
    if !(3..=200).contains(&len(&input.address)) {
        return Err(AppError::Validation(
            "the address needs 3–200 characters".into(),
        ));
    }
    Ok(())
}

async fn list_addresses(
    State(state): State<AppState>,
    crate::auth::Registered(current): crate::auth::Registered,
) -> Result<Json<Vec<SavedAddress>>, AppError> {
    let id = registered(&current)?;
    Ok(Json(
        state
            .store
            .addresses(id)
            .await
            .map_err(anyhow::Error::from)?,
    ))
}

async fn add_address(
    State(state): State<AppState>,
    crate::auth::Registered(current): crate::auth::Registered,
    ApiJson(input): ApiJson<AddressInput>,
) -> Result<(StatusCode, Json<Vec<SavedAddress>>), AppError> {
    let id = registered(&current)?;
    check_address(&input)?;
    state
        .store
        .save_address(id, None, &input)
        .await
        .map_err(anyhow::Error::from)?;
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .store
                .addresses(id)
                .await
                .map_err(anyhow::Error::from)?,
        ),
    ))
}

async fn edit_address(
    State(state): State<AppState>,
    crate::auth::Registered(current): crate::auth::Registered,
    ApiPath(address): ApiPath<Uuid>,
    ApiJson(input): ApiJson<AddressInput>,
) -> Result<Json<Vec<SavedAddress>>, AppError> {
    let id = registered(&current)?;
    check_address(&input)?;
    state
        .store
        .save_address(id, Some(address), &input)
        .await
        .map_err(anyhow::Error::from)?
        .ok_or(AppError::NotFound("address"))?;
    Ok(Json(
        state
            .store
            .addresses(id)
            .await
            .map_err(anyhow::Error::from)?,
    ))
}

async fn delete_address(
    State(state): State<AppState>,
    crate::auth::Registered(current): crate::auth::Registered,
    ApiPath(address): ApiPath<Uuid>,
) -> Result<StatusCode, AppError> {
    let id = registered(&current)?;
    if !state
        .store
        .delete_address(id, address)
        .await
        .map_err(anyhow::Error::from)?
    {
        return Err(AppError::NotFound("address"));
    }
    Ok(StatusCode::NO_CONTENT)
}
