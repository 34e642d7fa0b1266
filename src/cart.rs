//! The cart: the dishes the customer picked and how many of each, with a preview of the
//! total (the server prices the order). Its drawing is `scenes/cart.rs`.

use bevy::prelude::*;

use crate::catalog::Catalog;
use crate::schedule::KioskSet;
use crate::screen::Screen;
use crate::session::ShopAction;
use customerclient_api::Money;
use customerclient_api::catalog::Product;
use customerclient_api::orders::MAX_QUANTITY;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Cart>()
        .add_systems(
            OnEnter(Screen::Attract),
            forget.run_if(crate::screen::changed_screen),
        )
        .add_systems(
            Update,
            // After navigation, so "start, add this, check out" sent in one frame ends on the
            // checkout; starting over empties the cart on the attract screen whatever came after.
            (
                apply_cart_actions
                    .in_set(KioskSet::Apply)
                    .after(crate::session::apply_shop_actions),
                follow_availability
                    .in_set(KioskSet::Receive)
                    .after(crate::catalog::follow_sold_out),
            ),
        );
}

#[derive(Debug, Clone, PartialEq)]
pub struct CartLine {
    pub product: Product,
    pub quantity: u32,
}

/// What the customer has picked; emptied when the order is placed or the customer leaves.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct Cart {
    pub lines: Vec<CartLine>,
}

impl Cart {
    pub fn add(&mut self, product: &Product, quantity: u32) {
        let max = MAX_QUANTITY as u32;
        match self.lines.iter_mut().find(|l| l.product.id == product.id) {
            Some(line) => line.quantity = (line.quantity + quantity).min(max),
            None if quantity > 0 => self.lines.push(CartLine {
                product: product.clone(),
                quantity: quantity.min(max),
            }),
            None => {}
        }
    }

    /// Sets a line's quantity; zero removes the line.
    pub fn set_quantity(&mut self, product_id: i64, quantity: u32) {
        if quantity == 0 {
            self.lines.retain(|l| l.product.id != product_id);
        } else if let Some(line) = self.lines.iter_mut().find(|l| l.product.id == product_id) {
            line.quantity = quantity.min(MAX_QUANTITY as u32);
        }
    }

    pub fn item_count(&self) -> u32 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Whether a dish in the cart has sold out since it was put there.
    pub fn has_sold_out(&self) -> bool {
        self.lines.iter().any(|l| !l.product.available)
    }

    /// Shown to the customer as a preview; the server computes the real total.
    pub fn subtotal(&self) -> Option<Money> {
        let first = self.lines.first()?;
        let mut sum = Money::zero(&*first.product.price.currency);
        for l in &self.lines {
            sum = sum.checked_add(&l.product.price.checked_mul(i64::from(l.quantity))?)?;
        }
        Some(sum)
    }
}

pub(crate) fn apply_cart_actions(
    mut actions: MessageReader<ShopAction>,
    mut cart: ResMut<Cart>,
    catalog: Res<Catalog>,
) {
    for action in actions.read() {
        match action {
            ShopAction::AddToCart {
                product_id,
                quantity,
            } => match catalog.product(*product_id) {
                Some(p) if p.available => cart.add(p, *quantity),
                Some(p) => warn!("{} is sold out", p.name),
                None => warn!("no product {product_id}"),
            },
            ShopAction::SetQuantity {
                product_id,
                quantity,
            } => cart.set_quantity(*product_id, *quantity),
            ShopAction::Remove(id) => cart.set_quantity(*id, 0),
            _ => {}
        }
    }
}

/// A dish sold out (or back) while in the cart: the line says so at once, before the
/// customer pays. Written only on a real change, so the cart redraws only then.
fn follow_availability(catalog: Res<Catalog>, mut cart: ResMut<Cart>) {
    if !catalog.is_changed() {
        return;
    }
    let stale: Vec<(usize, bool)> = cart
        .lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let now = catalog.product(l.product.id)?.available;
            (now != l.product.available).then_some((i, now))
        })
        .collect();
    for (i, available) in stale {
        cart.lines[i].product.available = available;
    }
}

/// The attract screen is where every customer's visit ends (start over, or left alone).
fn forget(mut cart: ResMut<Cart>) {
    *cart = Cart::default();
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn product(id: i64, cents: i64) -> Product {
        Product {
            id,
            category_id: 1,
            name: format!("Dish {id}"),
            description: String::new(),
            price: Money::new(cents, "USD"),
            image_ids: vec![],
            video_id: None,
            available: true,
            texts: Vec::new(),
        }
    }

    #[test]
    fn cart_merges_lines_and_caps_quantity() {
        let mut cart = Cart::default();
        cart.add(&product(1, 250), 2);
        cart.add(&product(2, 100), 1);
        cart.add(&product(1, 250), 3);
        assert_eq!(cart.lines.len(), 2);
        assert_eq!(cart.item_count(), 6);
        assert_eq!(cart.subtotal(), Some(Money::new(1350, "USD")));
        cart.add(&product(2, 100), 500);
        assert_eq!(cart.lines[1].quantity, MAX_QUANTITY as u32);
        cart.set_quantity(1, 0);
        assert_eq!(cart.lines.len(), 1);
    }
}
