//! The demo menu: a restaurant-delivery menu shaped like the seed system's (8 categories,
//! 56 dishes). Each dish carries the colour its picture is drawn in. Prices are written in
//! US cents and sold in roubles, the demo store's currency (see [`roubles`]).

pub struct DemoCategory {
    pub slug: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub dishes: &'static [DemoDish],
}

pub struct DemoDish {
    pub name: &'static str,
    pub description: &'static str,
    /// In kopecks.
    pub price: i64,
    /// Main colour of the dish's picture, `0xRRGGBB`.
    pub accent: u32,
    pub available: bool,
}

/// A price in US cents as the demo's roubles: 80 ₽ to the dollar, rounded to 10 ₽, in
/// kopecks ($10.90 → 870 ₽ → 87 000).
pub const fn roubles(cents: i64) -> i64 {
    (cents * 8 + 50) / 100 * 1000
}

const fn dish(
    name: &'static str,
    description: &'static str,
    price_cents: i64,
    accent: u32,
) -> DemoDish {
    DemoDish {
        name,
        description,
        price: roubles(price_cents),
        accent,
        available: true,
    }
}

const fn sold_out(
    name: &'static str,
    description: &'static str,
    price_cents: i64,
    accent: u32,
) -> DemoDish {
    DemoDish {
        name,
        description,
        price: roubles(price_cents),
        accent,
        available: false,
    }
}

pub const MENU: &[DemoCategory] = &[
    DemoCategory {
        slug: "breakfast",
        name: "Breakfast",
        description: "Served all day",
        dishes: &[
            dish(
                "Eggs & Bacon",
                "Two sunny-side-up eggs, crispy bacon and toasted sourdough.",
                1090,
                0xc0392b,
            ),
            dish(
                "Shakshuka",
                "Eggs poached in spiced tomato and pepper sauce, with flatbread.",
                1190,
                0xd35400,
            ),
            dish(
                "Pancake Stack",
                "Three fluffy pancakes with maple syrup and butter.",
                990,
                0xe1a95f,
            ),
            dish(
                "Avocado Toast",
                "Smashed avocado, chili flakes and a poached egg on rye.",
                1050,
                0x7cb342,
            ),
            dish(
                "Berry Oatmeal",
                "Creamy oats with fresh berries, honey and almonds.",
                850,
                0x8e44ad,
            ),
            dish(
                "Syrniki",
                "Golden cottage-cheese pancakes with sour cream and jam.",
                950,
                0xf0b27a,
            ),
            dish(
                "Full Breakfast",
                "Eggs, sausages, beans, mushrooms, tomato and toast.",
                1450,
                0x935116,
            ),
        ],
    },
    DemoCategory {
        slug: "rice-bowls",
        name: "Rice bowls",
        description: "Steamed rice with hot toppings",
        dishes: &[
            dish(
                "Teriyaki Chicken Bowl",
                "Glazed chicken thigh, sesame, edamame and spring onion.",
                1290,
                0xb9770e,
            ),
            dish(
                "Salmon Poke",
                "Raw salmon, avocado, cucumber, mango and ponzu.",
                1490,
                0xf1948a,
            ),
            dish(
                "Tofu Veggie Bowl",
                "Crispy tofu, broccoli, carrot and peanut sauce.",
                1090,
                0xf4d03f,
            ),
            dish(
                "Beef Bulgogi Bowl",
                "Marinated beef, kimchi, pickled radish and egg yolk.",
                1390,
                0x6e2c00,
            ),
            dish(
                "Tempura Shrimp Bowl",
                "Crunchy shrimp tempura with sweet soy and greens.",
                1450,
                0xf5b041,
            ),
            dish(
                "Mango Chicken Bowl",
                "Grilled chicken, fresh mango salsa and lime.",
                1250,
                0xf39c12,
            ),
            dish(
                "Spicy Tuna Bowl",
                "Tuna in chili mayo, seaweed salad and radish.",
                1490,
                0xcb4335,
            ),
        ],
    },
    DemoCategory {
        slug: "salads",
        name: "Salads",
        description: "Fresh, crisp and made to order",
        dishes: &[
            dish(
                "Caesar Salad",
                "Romaine, parmesan, croutons and classic Caesar dressing.",
                1150,
                0x82e0aa,
            ),
            dish(
                "Greek Salad",
                "Tomato, cucumber, olives, red onion and feta.",
                1050,
                0xe74c3c,
            ),
            dish(
                "Caprese",
                "Mozzarella, ripe tomatoes, basil and olive oil.",
                1090,
                0xfdfefe,
            ),
            dish(
                "Quinoa Avocado Salad",
                "Quinoa, avocado, chickpeas, herbs and lemon.",
                1190,
                0x58d68d,
            ),
            dish(
                "Warm Beef Salad",
                "Seared beef strips, greens and sesame dressing.",
                1350,
                0x873600,
            ),
            dish(
                "Olivier",
                "The Russian classic: potato, peas, pickles and mayonnaise.",
                990,
                0xf9e79f,
            ),
            dish(
                "Beet & Goat Cheese",
                "Roasted beetroot, goat cheese, walnuts and rocket.",
                1090,
                0x922b21,
            ),
        ],
    },
    DemoCategory {
        slug: "chicken",
        name: "Chicken",
        description: "Grilled, roasted and crispy",
        dishes: &[
            dish(
                "Crispy Drumsticks",
                "Buttermilk-fried drumsticks with garlic dip.",
                1190,
                0xd68910,
            ),
            dish(
                "Grilled Chicken Breast",
                "Herb-marinated breast with grilled vegetables.",
                1290,
                0xdc7633,
            ),
            dish(
                "BBQ Wings",
                "Sticky smoked wings with celery and blue cheese.",
                1090,
                0x943126,
            ),
            dish(
                "Chicken Tikka",
                "Tandoori chicken in creamy tomato masala with rice.",
                1350,
                0xe67e22,
            ),
            dish(
                "Chicken Nuggets",
                "Golden nuggets with honey-mustard sauce.",
                890,
                0xf7dc6f,
            ),
            dish(
                "Lemon Herb Thighs",
                "Roasted thighs with lemon, thyme and potatoes.",
                1250,
                0xf4d03f,
            ),
            dish(
                "Shawarma Plate",
                "Spiced chicken, pickles, garlic sauce and flatbread.",
                1190,
                0xca6f1e,
            ),
        ],
    },
    DemoCategory {
        slug: "beef",
        name: "Beef",
        description: "Steaks, stews and skewers",
        dishes: &[
            dish(
                "Ribeye Steak",
                "300 g ribeye, grilled to order, with pepper sauce.",
                1590,
                0x78281f,
            ),
            dish(
                "Beef Stroganoff",
                "Tender beef in mushroom and sour-cream sauce.",
                1390,
                0xa04000,
            ),
            dish(
                "Meatballs in Tomato",
                "Beef meatballs in slow-cooked tomato sauce.",
                1190,
                0xc0392b,
            ),
            dish(
                "Beef Skewers",
                "Char-grilled beef and pepper skewers with adjika.",
                1450,
                0x922b21,
            ),
            dish(
                "Steak Frites",
                "Flank steak with hand-cut fries and herb butter.",
                1550,
                0x6e2c00,
            ),
            dish(
                "Goulash",
                "Hungarian beef and paprika stew with bread.",
                1290,
                0xba4a00,
            ),
            sold_out(
                "Pepper Steak",
                "Peppercorn-crusted sirloin with cognac cream.",
                1590,
                0x641e16,
            ),
        ],
    },
    DemoCategory {
        slug: "burgers",
        name: "Burgers",
        description: "Brioche buns, fresh beef",
        dishes: &[
            dish(
                "Classic Cheeseburger",
                "Beef patty, cheddar, pickles, onion and ketchup.",
                1090,
                0xf4d03f,
            ),
            dish(
                "Double Smash",
                "Two smashed patties, double cheese and house sauce.",
                1390,
                0xf5b041,
            ),
            dish(
                "Bacon BBQ Burger",
                "Beef, smoked bacon, onion rings and BBQ sauce.",
                1290,
                0xa93226,
            ),
            dish(
                "Mushroom Swiss",
                "Beef, sautéed mushrooms and melted Swiss cheese.",
                1250,
                0xfdebd0,
            ),
            dish(
                "Crispy Chicken Burger",
                "Fried chicken thigh, slaw and spicy mayo.",
                1150,
                0xe59866,
            ),
            dish(
                "Veggie Burger",
                "Chickpea and beet patty, avocado and tomato.",
                1090,
                0x27ae60,
            ),
            dish(
                "Jalapeño Burger",
                "Beef, pepper jack, jalapeños and chipotle mayo.",
                1250,
                0x1e8449,
            ),
        ],
    },
    DemoCategory {
        slug: "cakes",
        name: "Cakes",
        description: "Baked in house every morning",
        dishes: &[
            dish(
                "Chocolate Cake",
                "Dark chocolate sponge with ganache.",
                850,
                0x4a235a,
            ),
            dish(
                "New York Cheesecake",
                "Baked cheesecake on a butter-biscuit base.",
                890,
                0xfcf3cf,
            ),
            dish(
                "Napoleon",
                "Thin puff-pastry layers with vanilla custard.",
                850,
                0xfae5d3,
            ),
            dish(
                "Honey Cake",
                "Medovik: honey sponge layers with sour cream.",
                850,
                0xd4ac0d,
            ),
            dish(
                "Red Velvet",
                "Red velvet sponge with cream-cheese frosting.",
                890,
                0xb03a2e,
            ),
            dish(
                "Carrot Cake",
                "Spiced carrot and walnut cake, orange frosting.",
                850,
                0xe67e22,
            ),
            dish(
                "Tiramisu",
                "Mascarpone, espresso-soaked ladyfingers and cocoa.",
                950,
                0x7e5109,
            ),
        ],
    },
    DemoCategory {
        slug: "juices",
        name: "Juices",
        description: "Freshly squeezed, 400 ml",
        dishes: &[
            dish("Orange Juice", "Freshly squeezed oranges.", 550, 0xf39c12),
            dish(
                "Apple Juice",
                "Pressed green and red apples.",
                550,
                0xd4e157,
            ),
            dish(
                "Carrot Juice",
                "Carrot with a touch of ginger.",
                550,
                0xe67e22,
            ),
            dish("Mango Juice", "Ripe Alphonso mango.", 590, 0xf7c331),
            dish(
                "Berry Smoothie",
                "Strawberry, blueberry, banana and yoghurt.",
                650,
                0xa93279,
            ),
            dish(
                "Green Detox",
                "Spinach, celery, cucumber, apple and lime.",
                650,
                0x52be80,
            ),
            dish(
                "Pomegranate Juice",
                "Pure pressed pomegranate.",
                690,
                0x922b21,
            ),
        ],
    },
];
