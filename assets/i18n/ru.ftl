# Русские тексты киоска. Ключи совпадают с en.ftl (это проверяет тест).

store-name = Fresh Kitchen
language-other = English

attract-tagline = Завтраки, боулы, бургеры и торты — готовим сейчас, привезём к двери.
attract-touch = Коснитесь, чтобы начать
attract-connecting = Подключаемся к кухне…
attract-loading = Загружаем меню…
attract-dishes = Сегодня в меню блюд: { $count }
attract-unavailable = Меню сейчас недоступно — мы продолжаем попытки.
attract-track = Отследить заказ

header-start-over = Начать заново
header-cart-empty = Корзина пуста
header-cart = Корзина · { $count } · { $total }
header-sign-in = Войти
header-settings = Настройки

category-all = Все
category-breakfast = Завтраки
category-rice-bowls = Боулы с рисом
category-salads = Салаты
category-chicken = Курица
category-beef = Говядина
category-burgers = Бургеры
category-cakes = Торты
category-juices = Соки

gallery-hint = Нажмите на блюдо, чтобы посмотреть, или +, чтобы добавить
gallery-add = + В корзину
gallery-sold-out = { $name } (закончилось)
gallery-failed = Нет связи с кухней ({ $message }). Повторим через { $seconds } с.
gallery-failed-final = Нет связи с кухней ({ $message }).
gallery-empty = Здесь пока ничего нет.

product-gone = Этого блюда больше нет в меню.
product-sold-out = Сегодня закончилось
product-add = В корзину
product-back = Назад к меню

cart-title = Ваша корзина
cart-empty = Корзина пуста.
cart-empty-hint = Добавьте блюдо из меню, чтобы начать заказ.
cart-each = { $price } за штуку
cart-remove = Удалить
cart-summary = Ваш заказ
cart-items = Позиций: { $count }
cart-subtotal = Сумма
cart-delivery-note = Доставку выберете при оформлении.
cart-checkout = Оформить
cart-continue = Продолжить покупки

checkout-title = Оформление заказа
checkout-where = Куда доставить?
checkout-city = Город
checkout-address = Улица, дом, квартира
checkout-address-placeholder = Нажмите, чтобы ввести адрес
checkout-phone = Телефон для курьера
checkout-phone-placeholder = Нажмите, чтобы ввести телефон
checkout-delivery = Доставка
checkout-payment = Оплата
checkout-dishes = Блюда ({ $count })
checkout-total = Итого
checkout-back = Назад в корзину
checkout-place = Оформить заказ
checkout-placing = Оформляем заказ…
checkout-unreachable = Не удалось связаться с магазином. Корзина сохранена — нажмите «Оформить заказ» ещё раз.

error-city-choose = Выберите город
error-city-unserved = Туда мы пока не доставляем
error-address = Укажите улицу, дом и квартиру
error-address-long = Адрес должен быть короче 200 символов
error-phone = Введите номер телефона: от 7 до 15 цифр
error-cart-empty = Корзина пуста

delivery-on-foot = Пешком
delivery-scooter = Электросамокат
delivery-car = Автомобиль
delivery-detail = { $price } · ~{ $minutes } мин

pay-cash = Наличными курьеру
pay-cash-detail = Оплата наличными при получении
pay-terminal = Картой курьеру
pay-terminal-detail = Курьер привезёт терминал
pay-qr = QR-код в приложении банка
pay-qr-detail = Отсканируйте в приложении банка
pay-card = Картой здесь (с CVC)
pay-card-detail = Оплата картой на киоске
pay-another-way = Другой способ оплаты

payment-title = Оплата
qr-scan = Отсканируйте в приложении банка
qr-order = Заказ №{ $number }
qr-valid = Код действует { $minutes }:{ $seconds }
qr-expired = Срок действия кода истёк
qr-preparing = Готовим ваш код…
qr-waiting = Откройте приложение банка, отсканируйте код и подтвердите. Экран обновится сам.
qr-expired-hint = Деньги не списаны. Получите новый код или выберите другой способ.
qr-new-code = Получить новый код
qr-demo = Демо: оплатите код на { $url }/bank (симулятор банка)

card-title = Оплата картой: { $total }
card-never-stored = { $brand } · номер карты нигде не сохраняется
card-number = Номер карты
card-expiry = Срок ММ/ГГ
card-cvc = Код безопасности
card-pay = Оплатить { $total }
card-paying = Оплачиваем…
card-retry = { $reason }. Повторное списание невозможно — попробуйте ещё раз.

choice-title = Как вы хотите оплатить?
choice-order = Заказ №{ $number } · { $total }
choice-wait = Минутку…

confirm-thanks = Спасибо! Заказ оформлен.
confirm-number = Номер заказа
confirm-items = Позиций: { $count }: { $names }
confirm-paid-card = Оплачено { $total } картой { $brand } •••• { $last4 }. Спасибо!
confirm-paid-qr = Оплачено { $total } в приложении банка. Спасибо!
confirm-cash = Приготовьте для курьера ровно { $total } наличными.
confirm-terminal = Курьер привезёт терминал: к оплате { $total }.
confirm-total = Итого { $total }
confirm-new-order = Новый заказ
confirm-none = Заказа пока нет

idle-title = Вы ещё здесь?
idle-body = Чтобы сохранить ваши данные в тайне, мы очистим заказ через { $seconds } с.
idle-continue = Я здесь
idle-start-over = Начать заново

key-space = Пробел
key-done = Готово
key-next = Далее
key-symbols = ?123
key-letters = АБВ
key-layout = RU → EN

account-sign-in-title = Вход
account-sign-up-title = Регистрация
account-login = Логин
account-login-or-email = Логин или e-mail
account-email = E-mail
account-phone = Телефон
account-password = Пароль
account-password-again = Пароль ещё раз
account-sign-in = Войти
account-create = Зарегистрироваться
account-no-account = Впервые здесь? Зарегистрируйтесь
account-have-account = Уже есть аккаунт? Войдите
account-forgot = Забыли пароль?
account-guest = Продолжить как гость
account-verify-title = Введите код, который мы отправили на { $email }
account-verify = Подтвердить
account-resend = Отправить новый код
account-code = Код из 6 цифр
account-reset-title = Сброс пароля
account-reset-send = Прислать код на e-mail
account-new-password = Новый пароль
account-reset = Сохранить пароль
account-passwords-differ = Пароли не совпадают
account-password-short = Не меньше 8 символов
account-required = Обязательное поле
account-email-invalid = Введите e-mail вида name@example.com
account-welcome = Вы вошли как { $name }
account-sign-out = Выйти
account-working = Минутку…
account-reset-done = Пароль изменён. Войдите с новым паролем.
account-code-sent = Мы отправили новый код.

settings-title = Настройки
settings-language = Язык
settings-notifications = Уведомления
settings-notif-order = Статус заказа
settings-notif-payments = Оплата
settings-notif-promotions = Акции
settings-contact = Способ связи
settings-contact-email = E-mail
settings-contact-phone = Телефон
settings-contact-messenger = Мессенджер
settings-payment = Способ оплаты по умолчанию
settings-none = Нет
settings-addresses = Адреса доставки
settings-address-add = Добавить адрес
settings-address-label = Название (Дом, Работа…)
settings-address-default = По умолчанию
settings-address-delete = Удалить
settings-address-edit = Изменить
settings-address-make-default = Сделать основным
settings-cards = Сохранённые карты
settings-no-cards = Сохранённых карт пока нет. Отметьте «Сохранить карту» при оплате картой.
settings-cards-note = Хранится только токен банка, номер карты — никогда.
card-save = Сохранить карту для следующих покупок
card-pay-saved = Оплатить картой { $card }
settings-password = Сменить пароль
settings-current-password = Текущий пароль
settings-accessibility = Доступность
settings-large-text = Крупный текст
settings-high-contrast = Высокий контраст
settings-reach-mode = Всё в пределах досягаемости (нижняя половина)
settings-save = Сохранить
settings-saved = Сохранено
settings-close = Закрыть
settings-guest-note = Вы гость: настройки действуют до нажатия «Начать заново».
