//! Handlers mounted at their endpoints' routes ([`customerclient_api::endpoint`]): no route is
//! spelled in the backend, and the list of what was mounted is kept, so tests can check that
//! the router serves exactly the API's endpoints.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};
use customerclient_api::endpoint::{Endpoint, Method, Route};

use crate::AppState;

/// A router being built, and the endpoints mounted on it so far.
pub struct Routes {
    router: Router<AppState>,
    mounted: Vec<Route>,
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

impl Routes {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            mounted: Vec::new(),
        }
    }

    /// Mounts `handler` at `E`'s method and route.
    pub fn at<E: Endpoint, H, T>(mut self, _: E, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(E::ROUTE, on(filter(E::METHOD), handler));
        self.mounted.push(Route::of::<E>());
        self
    }

    /// Adds pages that are not part of the API (the demo bank's), left out of `mounted`.
    pub fn pages(mut self, pages: Router<AppState>) -> Self {
        self.router = self.router.merge(pages);
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.mounted.extend(other.mounted);
        self
    }

    pub fn mounted(&self) -> &[Route] {
        &self.mounted
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

fn filter(method: Method) -> MethodFilter {
    match method {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
        Method::Delete => MethodFilter::DELETE,
    }
}

#[cfg(test)]
mod tests {
    use customerclient_api::endpoint::ALL;

    /// A route mounted without an endpoint type, or an endpoint left unmounted, fails here.
    #[test]
    fn the_router_serves_exactly_the_apis_endpoints() {
        let mut mounted = crate::routes().mounted().to_vec();
        mounted.sort_by_key(|r| r.name);
        let mut all = ALL.to_vec();
        all.sort_by_key(|r| r.name);
        assert_eq!(mounted, all);
    }
}
