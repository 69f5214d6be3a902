//! Echoes the request id that `TracingLogger` gives every request in an `X-Request-Id`
//! response header, so a client's report can be matched with our logs.

use actix_web::HttpMessage as _;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing_actix_web::RequestId;

/// The header name.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Middleware: copy the request id into the response.
pub async fn echo(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().copied();
    let mut res = next.call(req).await?;
    if let Some(id) = id {
        // Formatted on the stack: no allocation besides the header value's own.
        let mut buf = uuid::Uuid::encode_buffer();
        if let Ok(value) = HeaderValue::from_str(id.hyphenated().encode_lower(&mut buf)) {
            res.headers_mut().insert(X_REQUEST_ID, value);
        }
    }
    Ok(res)
}
