//! The API's OpenAPI 3.1 document, generated from the endpoint types in [`crate::endpoint`]:
//! each one's method, route, caller, path parameter, query, bodies and success statuses, and
//! the schemas of the request and response types (utoipa's `ToSchema`, derived beside serde's
//! derives, so the schema follows the same renames and defaults the wire does).
//!
//! utoipa rather than aide: the routes are already types of our own that the router mounts,
//! so only the schema derive and the document model are needed, and utoipa has both in a
//! released version that writes OpenAPI 3.1; aide's model wants its own router around axum's.

use std::collections::BTreeSet;

use utoipa::ToSchema;
use utoipa::openapi::path::{Operation, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{
    Components, Content, HttpMethod, InfoBuilder, KnownFormat, OpenApi, OpenApiBuilder,
    PathsBuilder, Ref, RefOr, Required, ResponseBuilder,
};

use crate::endpoint::{
    Binary, Caller, Empty, Endpoint, EventStream, Html, Method, OpenApiDocument, Pdf,
};

/// The document, as `GET /api/v1/openapi.json` serves it and `docs/openapi.json` holds it.
pub fn document() -> OpenApi {
    let mut contract = Contract {
        paths: PathsBuilder::new(),
        components: Components::new(),
    };
    crate::endpoint::describe_all(&mut contract);
    let mut components = contract.components;
    components.security_schemes.insert(
        BEARER.into(),
        SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
    );
    components.security_schemes.insert(
        COURIER.into(),
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-Courier-Token",
            "The kitchen's and couriers' shared secret.",
        ))),
    );
    components.security_schemes.insert(
        OPERATOR.into(),
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-Operator-Token",
            "The store operator's secret.",
        ))),
    );
    components.security_schemes.insert(
        SIGNATURE.into(),
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-Signature",
            "Hex HMAC-SHA256 of the raw body under the bank's webhook secret.",
        ))),
    );
    referenced::<crate::ErrorBody>(&mut components);
    // A `Vec<T>` body refers to `T` by name, but utoipa's `Vec::schemas` adds only what `T`
    // refers to; the element types of the list answers go in here (the document's test
    // finds any reference left dangling).
    referenced::<crate::catalog::Category>(&mut components);
    referenced::<crate::settings::SavedAddress>(&mut components);
    referenced::<crate::payments::SavedCard>(&mut components);
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("customerclient API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(DESCRIPTION))
                .build(),
        )
        .paths(contract.paths.build())
        .components(Some(components))
        .build()
}

/// The document as the committed file holds it: pretty JSON and a final newline.
pub fn document_json() -> String {
    let mut json = document()
        .to_pretty_json()
        .expect("the document serialises");
    json.push('\n');
    json
}

const BEARER: &str = "bearer";
const COURIER: &str = "courier_token";
const OPERATOR: &str = "operator_token";
const SIGNATURE: &str = "webhook_signature";

const DESCRIPTION: &str = "The kiosk storefront's backend: catalog, orders, payments, \
accounts, tracking and push events.\n\n\
Every error the application answers has a JSON body `{\"error\": code, \"message\": text}`: \
`error` is a stable machine-readable code and `message` is meant for people. The HTTP layer \
answers a few requests before the application sees them, and those answers may have no JSON \
body: a malformed request line or header block, headers larger than the server accepts, and \
a connection closed mid-request. A `429` carries `Retry-After` in seconds.";

/// The operations being collected, and the schemas they refer to.
pub(crate) struct Contract {
    paths: PathsBuilder,
    components: Components,
}

impl Contract {
    /// `E`'s operation, with the schemas of its bodies.
    pub(crate) fn add<E: Endpoint>(&mut self)
    where
        E::Path: PathParam,
        E::Query: QueryParams,
        E::Request: Body,
        E::Response: Body,
    {
        let (summary, description) = split_doc(E::DOC);
        let mut op = OperationBuilder::new()
            .operation_id(Some(E::NAME))
            .summary(summary)
            .description(description)
            .tag(tag(E::ROUTE));
        if let Some(schema) = E::Path::schema(&mut self.components) {
            // The route's own name for it: `{id}` mostly, `{sku}` for a menu item.
            let name = E::ROUTE
                .split_once('{')
                .and_then(|(_, rest)| rest.split_once('}'))
                .map_or("id", |(name, _)| name);
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(schema)),
            );
        }
        for p in E::Query::parameters(&mut self.components) {
            op = op.parameter(p);
        }
        for (name, required, about) in headers(E::NAME) {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Header)
                    .required(if required {
                        Required::True
                    } else {
                        Required::False
                    })
                    .description(Some(about))
                    .schema(Some(string_schema(Some(1), Some(255)))),
            );
        }
        let request = E::Request::content(&mut self.components);
        if let Some((media, content)) = request.clone() {
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(media, content)
                    .build(),
            ));
        }
        let response = E::Response::content(&mut self.components);
        for status in E::SUCCESS {
            let mut r = ResponseBuilder::new().description(success_description(*status));
            if let (Some((media, content)), false) = (&response, matches!(status, 204 | 304)) {
                for media in media.split(", ") {
                    r = r.content(media, content.clone());
                }
            }
            op = op.response(status.to_string(), r.build());
        }
        let has_path = E::Path::schema(&mut Components::new()).is_some();
        let has_query = !E::Query::parameters(&mut Components::new()).is_empty();
        for status in errors::<E>(has_path, has_query, request.is_some()) {
            op = op.response(status.to_string(), error_response(status));
        }
        if let Some(scheme) = match E::CALLER {
            Caller::Anyone => None,
            Caller::Session | Caller::Customer => Some(BEARER),
            Caller::Courier => Some(COURIER),
            Caller::Operator => Some(OPERATOR),
            Caller::Bank => Some(SIGNATURE),
        } {
            op = op.security(SecurityRequirement::new::<_, [&str; 0], &str>(scheme, []));
        }
        let op: Operation = op.build();
        let paths = std::mem::take(&mut self.paths);
        self.paths = paths.path(
            E::ROUTE,
            utoipa::openapi::PathItem::new(http_method(E::METHOD), op),
        );
    }
}

fn http_method(m: Method) -> HttpMethod {
    match m {
        Method::Get => HttpMethod::Get,
        Method::Post => HttpMethod::Post,
        Method::Put => HttpMethod::Put,
        Method::Delete => HttpMethod::Delete,
    }
}

/// A doc comment's first sentence line as the summary, the rest as the description.
fn split_doc(doc: &str) -> (Option<String>, Option<String>) {
    let doc = doc.trim();
    if doc.is_empty() {
        return (None, None);
    }
    let joined = doc.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    (Some(joined), None)
}

/// The route's first segment after the version: `auth`, `orders`, `account`, …
fn tag(route: &str) -> String {
    route
        .trim_start_matches(crate::API_PREFIX)
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("api")
        .to_owned()
}

fn success_description(status: u16) -> &'static str {
    match status {
        200 => "Done.",
        201 => "Created.",
        202 => {
            "Accepted: an e-mail is on its way (the answer is the same whether or not the address is known)."
        }
        204 => "Done; no body.",
        206 => "The requested byte range.",
        304 => "Not modified since the `ETag` given in `If-None-Match`.",
        _ => "Success.",
    }
}

/// Headers an endpoint reads: (name, required, what it does).
fn headers(endpoint: &str) -> Vec<(&'static str, bool, &'static str)> {
    const KEY: &str = "Makes a retry return the first answer instead of acting twice.";
    match endpoint {
        "PlaceOrder" => vec![(crate::IDEMPOTENCY_KEY_HEADER, false, KEY)],
        "PayByCard" => vec![(crate::IDEMPOTENCY_KEY_HEADER, true, KEY)],
        "GetFile" => vec![
            (
                "Range",
                false,
                "One byte range, `bytes=start-end` (RFC 9110).",
            ),
            (
                "If-None-Match",
                false,
                "The `ETag` of a copy the client holds.",
            ),
        ],
        "GetEvents" => vec![(
            "Last-Event-ID",
            false,
            "The id of the last event received: the stream resumes after it.",
        )],
        _ => Vec::new(),
    }
}

/// The error statuses `E` can answer, each with the JSON error body.
fn errors<E: Endpoint>(has_path: bool, has_query: bool, has_body: bool) -> BTreeSet<u16> {
    let mut out = BTreeSet::new();
    // Every route may be asked while its database is away.
    out.insert(503);
    if has_path {
        out.insert(400);
        out.insert(404);
    }
    if has_query {
        out.insert(400);
    }
    if has_body {
        out.extend([400, 413, 415, 422]);
    }
    match E::CALLER {
        Caller::Anyone => {}
        Caller::Session | Caller::Courier | Caller::Operator | Caller::Bank => {
            out.insert(401);
        }
        Caller::Customer => {
            out.extend([401, 403]);
        }
    }
    let more: &[u16] = match E::NAME {
        "SignUp" => &[409, 429],
        // 403 `not_verified`: the password is right but the e-mail was never confirmed.
        "SignIn" => &[401, 403, 429],
        "Verify" => &[404, 409, 429],
        "ResendCode" | "ForgotPassword" | "ResetPassword" | "ChangePassword" => &[429],
        "GetProducts" => &[404],
        "GetOrders" => &[422],
        "GuestSession" => &[429],
        "TrackByNumber" => &[404, 429],
        "GetFile" => &[416],
        "PlaceOrder" => &[409, 429],
        // 422 `no_email`: an account without an address (none can be, today; the rule stays).
        "EmailReceipt" => &[422, 429],
        "CancelOrder" | "RateOrder" | "SetOrderStatus" => &[409],
        "StartQrPayment" | "PayByCard" | "SetPaymentMethod" => &[409],
        // The notice names a payment by its QR code's reference.
        "BankWebhook" => &[404, 409],
        "GetTracking" | "ReportPosition" => &[409],
        _ => &[],
    };
    out.extend(more.iter().copied());
    out
}

fn error_response(status: u16) -> utoipa::openapi::Response {
    let about = match status {
        400 => "The request is malformed (its JSON, a parameter or a header).",
        401 => "No valid credentials for this route.",
        403 => {
            "The credentials are valid but may not do this (a guest session, or an account whose e-mail is not confirmed yet)."
        }
        404 => "Nothing of that id that this caller may see.",
        409 => "The request conflicts with the current state (already paid, closed, a key reused).",
        413 => "The body is larger than the route accepts.",
        415 => "The body is not `application/json`.",
        416 => "The byte range lies outside the file.",
        422 => "The body is well-formed JSON that breaks a rule; `message` says which.",
        429 => "Too many attempts; `Retry-After` says when to try again.",
        503 => "The service cannot answer now (its database is away, or it is shutting down).",
        _ => "An error.",
    };
    ResponseBuilder::new()
        .description(about)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("ErrorBody"))),
        )
        .build()
}

fn string_schema(min: Option<usize>, max: Option<usize>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(min)
        .max_length(max)
        .into()
}

/// A type's schema, with every schema it refers to added to `components`.
fn referenced<T: ToSchema>(components: &mut Components) -> RefOr<Schema> {
    let mut deps = Vec::new();
    T::schemas(&mut deps);
    for (name, schema) in deps {
        components.schemas.entry(name).or_insert(schema);
    }
    let schema = T::schema();
    match &schema {
        // Named types go in the components and are referred to by name.
        RefOr::T(Schema::Object(_) | Schema::OneOf(_) | Schema::AllOf(_) | Schema::AnyOf(_))
            if !is_builtin::<T>() =>
        {
            let name = T::name().into_owned();
            components.schemas.entry(name.clone()).or_insert(schema);
            Ref::from_schema_name(name).into()
        }
        _ => schema,
    }
}

/// Primitive types whose schema is written where it is used.
fn is_builtin<T: ToSchema>() -> bool {
    let name = T::name();
    matches!(
        name.as_ref(),
        "String" | "str" | "bool" | "i64" | "i32" | "u32" | "u64" | "f64" | "Uuid" | "Vec"
    )
}

/// The schema of a path parameter's type.
pub trait PathParam {
    fn schema(components: &mut Components) -> Option<RefOr<Schema>>;
}

impl PathParam for Empty {
    fn schema(_: &mut Components) -> Option<RefOr<Schema>> {
        None
    }
}

impl PathParam for uuid::Uuid {
    fn schema(_: &mut Components) -> Option<RefOr<Schema>> {
        Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                .into(),
        )
    }
}

impl PathParam for String {
    fn schema(_: &mut Components) -> Option<RefOr<Schema>> {
        Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(64))
                .into(),
        )
    }
}

impl PathParam for i64 {
    fn schema(_: &mut Components) -> Option<RefOr<Schema>> {
        Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(1))
                .into(),
        )
    }
}

/// A query type's fields as query parameters.
pub trait QueryParams {
    fn parameters(components: &mut Components) -> Vec<utoipa::openapi::path::Parameter>;
}

impl QueryParams for Empty {
    fn parameters(_: &mut Components) -> Vec<utoipa::openapi::path::Parameter> {
        Vec::new()
    }
}

impl<T: ToSchema> QueryParams for T {
    fn parameters(components: &mut Components) -> Vec<utoipa::openapi::path::Parameter> {
        let mut deps = Vec::new();
        T::schemas(&mut deps);
        for (name, schema) in deps {
            components.schemas.entry(name).or_insert(schema);
        }
        let RefOr::T(Schema::Object(Object {
            properties,
            required,
            ..
        })) = T::schema()
        else {
            panic!("a query type is a struct of named fields");
        };
        properties
            .into_iter()
            .map(|(name, schema)| {
                let required = if required.contains(&name) {
                    Required::True
                } else {
                    Required::False
                };
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Query)
                    .required(required)
                    .schema(Some(schema))
                    .build()
            })
            .collect()
    }
}

/// A body's media type(s) (comma-separated) and content.
pub trait Body {
    fn content(components: &mut Components) -> Option<(&'static str, Content)>;
}

impl Body for Empty {
    fn content(_: &mut Components) -> Option<(&'static str, Content)> {
        None
    }
}

impl Body for Binary {
    fn content(_: &mut Components) -> Option<(&'static str, Content)> {
        let bytes: RefOr<Schema> = ObjectBuilder::new()
            .schema_type(Type::String)
            .content_media_type("application/octet-stream")
            .into();
        Some(("image/*, video/*", Content::new(Some(bytes))))
    }
}

impl Body for Html {
    fn content(_: &mut Components) -> Option<(&'static str, Content)> {
        let page: RefOr<Schema> = ObjectBuilder::new().schema_type(Type::String).into();
        Some(("text/html", Content::new(Some(page))))
    }
}

impl Body for Pdf {
    fn content(_: &mut Components) -> Option<(&'static str, Content)> {
        let bytes: RefOr<Schema> = ObjectBuilder::new()
            .schema_type(Type::String)
            .content_media_type("application/pdf")
            .into();
        Some(("application/pdf", Content::new(Some(bytes))))
    }
}

impl Body for OpenApiDocument {
    fn content(_: &mut Components) -> Option<(&'static str, Content)> {
        let document: RefOr<Schema> = ObjectBuilder::new()
            .description(Some("An OpenAPI 3.1 document."))
            .into();
        Some(("application/json", Content::new(Some(document))))
    }
}

impl Body for EventStream {
    fn content(_: &mut Components) -> Option<(&'static str, Content)> {
        // Each event of the stream, as SSE readers (and schemathesis) see it: its fields.
        let field = |description: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(description.to_owned()))
        };
        let text: RefOr<Schema> = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "id",
                field("The event's id, to send back as `Last-Event-ID`."),
            )
            .property("event", field("Always `push`."))
            .property("data", field("One JSON `PushEvent`."))
            .required("id")
            .required("event")
            .required("data")
            .description(Some(
                "Server-Sent Events: each event has an `id`, `event: push` and one JSON \
                 `data` line holding a `PushEvent`; a `: ping` comment keeps the line alive.",
            ))
            .into();
        Some(("text/event-stream", Content::new(Some(text))))
    }
}

impl<T: ToSchema> Body for T {
    fn content(components: &mut Components) -> Option<(&'static str, Content)> {
        Some((
            "application/json",
            Content::new(Some(referenced::<T>(components))),
        ))
    }
}
