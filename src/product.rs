//! The dish being looked at: how many the customer is about to add, and adding them. Drawn by
//! `scenes/product.rs`.

use bevy::prelude::*;

use crate::schedule::KioskSet;
use crate::screen::Screen;
use crate::session::{CustomerSession, ShopAction};

/// At most this many of one dish in one tap of *Add to cart*.
pub const MAX_QUANTITY: u32 = 20;

/// How many the customer is about to add; one on every new product.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductChoice {
    pub quantity: u32,
    /// The product the quantity is for.
    pub product: Option<i64>,
}

impl Default for ProductChoice {
    fn default() -> Self {
        ProductChoice {
            quantity: 1,
            product: None,
        }
    }
}

/// What the customer can do on the product screen.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductAction {
    Fewer,
    More,
    /// Add the chosen quantity of the selected product and go back to the menu.
    AddToCart,
}

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<ProductChoice>()
        .add_message::<ProductAction>()
        .add_systems(OnEnter(Screen::Product), choose_anew)
        // Turned into the shop's actions before the cart and navigation read them this frame.
        .add_systems(Update, apply.in_set(KioskSet::Input));
}

/// One of a new dish, or of the same one come back to; the screen drawn again (a new
/// language, a dish sold out) keeps what the customer chose.
fn choose_anew(
    transitions: MessageReader<bevy::state::state::StateTransitionEvent<Screen>>,
    session: Res<CustomerSession>,
    mut choice: ResMut<ProductChoice>,
) {
    if crate::screen::changed_screen(transitions) || choice.product != session.selected_product {
        *choice = ProductChoice {
            product: session.selected_product,
            ..default()
        };
    }
}

fn apply(
    mut actions: MessageReader<ProductAction>,
    mut choice: ResMut<ProductChoice>,
    session: Res<CustomerSession>,
    mut out: MessageWriter<ShopAction>,
) {
    for action in actions.read() {
        match action {
            ProductAction::Fewer => choice.quantity = choice.quantity.saturating_sub(1).max(1),
            ProductAction::More => choice.quantity = (choice.quantity + 1).min(MAX_QUANTITY),
            ProductAction::AddToCart => {
                if let Some(product_id) = session.selected_product {
                    out.write(ShopAction::AddToCart {
                        product_id,
                        quantity: choice.quantity,
                    });
                    out.write(ShopAction::ShowGallery);
                }
            }
        }
        // Every tap is the customer still being here.
        out.write(ShopAction::Touched);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> App {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, bevy::state::app::StatesPlugin))
            .init_state::<Screen>()
            .add_message::<ShopAction>()
            .init_resource::<CustomerSession>();
        crate::schedule::plugin(&mut app);
        plugin(&mut app);
        app
    }

    fn send(app: &mut App, action: ProductAction) {
        app.world_mut().write_message(action);
        app.update();
    }

    #[test]
    fn quantity_stays_between_one_and_the_most_one_tap_adds() {
        let mut app = app();
        send(&mut app, ProductAction::Fewer);
        assert_eq!(app.world().resource::<ProductChoice>().quantity, 1);
        for _ in 0..30 {
            send(&mut app, ProductAction::More);
        }
        assert_eq!(
            app.world().resource::<ProductChoice>().quantity,
            MAX_QUANTITY
        );
        send(&mut app, ProductAction::Fewer);
        assert_eq!(
            app.world().resource::<ProductChoice>().quantity,
            MAX_QUANTITY - 1
        );
    }

    #[test]
    fn adding_puts_the_chosen_quantity_of_the_selected_dish_in_the_cart() {
        let mut app = app();
        app.world_mut()
            .resource_mut::<CustomerSession>()
            .selected_product = Some(7);
        send(&mut app, ProductAction::More);
        send(&mut app, ProductAction::More);
        send(&mut app, ProductAction::AddToCart);
        let messages = app.world().resource::<Messages<ShopAction>>();
        let sent: Vec<&ShopAction> = messages.iter_current_update_messages().collect();
        assert!(
            sent.iter().any(|a| matches!(
                a,
                ShopAction::AddToCart {
                    product_id: 7,
                    quantity: 3
                }
            )),
            "{sent:?}"
        );
        assert!(sent.iter().any(|a| matches!(a, ShopAction::ShowGallery)));
    }
}
