//! Demo help-centre content: five topics of a home-services business and about twenty published articles in
//! English, a few also in Polish. Added once: an article or topic that exists already is left as it is.
use crate::domain::kb::{ArticleStatus, Slug};
use crate::server::db::{kb, Db, DbResult};
use crate::server::kb::{create_article, ensure_category, ArticleInput};
use crate::server::now_ms;

/// A topic's `(locale, name, description)` in English and Polish.
type TopicNames = [(&'static str, &'static str, &'static str); 2];

/// `(slug, names)` in display order.
const TOPICS: [(&str, TopicNames); 5] = [
    (
        "plumbing",
        [
            ("en", "Plumbing", "Leaks, blocked drains, taps, toilets and water pressure."),
            ("pl", "Hydraulika", "Przecieki, zatkane odpływy, krany, toalety i ciśnienie wody."),
        ],
    ),
    (
        "heating",
        [
            ("en", "Heating", "Boilers, radiators, thermostats and hot water."),
            ("pl", "Ogrzewanie", "Kotły, grzejniki, termostaty i ciepła woda."),
        ],
    ),
    (
        "electrical",
        [
            ("en", "Electrical", "Tripped breakers, sockets, lighting and safety."),
            ("pl", "Elektryka", "Wybite bezpieczniki, gniazdka, oświetlenie i bezpieczeństwo."),
        ],
    ),
    (
        "appliances",
        [
            ("en", "Appliances", "Washing machines, dishwashers, fridges and ovens."),
            ("pl", "AGD", "Pralki, zmywarki, lodówki i piekarniki."),
        ],
    ),
    (
        "billing-appointments",
        [
            ("en", "Billing & appointments", "Booking, rescheduling, prices, invoices and payment."),
            ("pl", "Rozliczenia i wizyty", "Umawianie, zmiana terminu, ceny, faktury i płatności."),
        ],
    ),
];

/// `(slug, topic slug, [(locale, title, markdown)])`.
type DemoArticle = (&'static str, &'static str, &'static [(&'static str, &'static str, &'static str)]);

const ARTICLES: &[DemoArticle] = &[
    (
        "stop-a-leak-before-we-arrive",
        "plumbing",
        &[
            (
                "en",
                "Stopping a leak before the plumber arrives",
                "A leak does the most damage in the first hour. These steps limit it while we are on the way.\n\n\
                 ## Turn off the water\n\n\
                 The **main stop valve** is usually under the kitchen sink, next to the water meter, or where the \
                 pipe enters the house. Turn it clockwise until it stops. If only one tap or toilet leaks, close \
                 its own isolation valve instead (a small screw on the pipe: turn it a quarter so the slot is \
                 across the pipe).\n\n\
                 ## Protect electrics\n\n\
                 If water reaches sockets, lights or the consumer unit, switch the electricity off at the main \
                 switch — but only if you can reach it with dry hands and without standing in water.\n\n\
                 ## Catch and record\n\n\
                 - Put a bucket under the drip and towels around it.\n\
                 - Take photos of the leak and any damage; you can add them to your request.\n\
                 - Open the taps on the lowest floor to drain the pipes.\n\n\
                 ## When to call us as an emergency\n\n\
                 Water coming through a ceiling, a burst pipe, or a leak you cannot stop with a valve.",
            ),
            (
                "pl",
                "Jak zatrzymać przeciek, zanim przyjedzie hydraulik",
                "Przeciek wyrządza najwięcej szkód w pierwszej godzinie. Te kroki ograniczą je, zanim dojedziemy.\n\n\
                 ## Zakręć wodę\n\n\
                 **Główny zawór** jest zwykle pod zlewem w kuchni, przy wodomierzu albo tam, gdzie rura wchodzi do \
                 domu. Kręć w prawo do oporu. Jeśli cieknie tylko jeden kran lub toaleta, zakręć jej własny zawór \
                 odcinający.\n\n\
                 ## Zabezpiecz elektrykę\n\n\
                 Jeśli woda dochodzi do gniazdek, lamp lub rozdzielnicy, wyłącz prąd głównym wyłącznikiem — tylko \
                 suchymi rękami i nie stojąc w wodzie.\n\n\
                 ## Zbierz wodę i zrób zdjęcia\n\n\
                 - Podstaw wiadro i rozłóż ręczniki.\n\
                 - Zrób zdjęcia przecieku i szkód; możesz je dodać do zgłoszenia.\n\
                 - Odkręć krany na najniższym piętrze, aby opróżnić rury.",
            ),
        ],
    ),
    (
        "slow-draining-sink",
        "plumbing",
        &[(
            "en",
            "A sink or shower drains slowly",
            "Most slow drains are a plug of hair, soap and grease within 30 cm of the plughole.\n\n\
             1. Remove the plug or strainer and pull out what you can see (a bent wire or a plastic drain snake \
             helps).\n\
             2. Pour a kettle of hot — not boiling — water down the drain. Boiling water can soften plastic pipes.\n\
             3. Use a plunger: block the overflow with a wet cloth, then plunge firmly ten times.\n\
             4. Under a kitchen sink, put a bowl under the **trap** (the U-shaped pipe), unscrew it by hand and \
             clean it.\n\n\
             Avoid chemical drain cleaners: they rarely clear grease plugs, damage old pipes, and are dangerous \
             for our technician if the drain is still full. If several drains are slow at once, or water comes \
             up in the shower when the toilet flushes, the blockage is further down: request a visit.",
        )],
    ),
    (
        "running-toilet",
        "plumbing",
        &[(
            "en",
            "The toilet keeps running",
            "A toilet that refills by itself wastes up to 400 litres a day.\n\n\
             - Lift the cistern lid. If water flows over the top of the **overflow pipe**, the fill valve shuts \
             too late: lower the float (a screw on top of the valve, or a clip on its rod).\n\
             - If the water level is fine but the bowl trickles, the **flush valve seal** leaks. Put a few drops \
             of food colouring in the cistern; colour in the bowl after 15 minutes confirms it.\n\n\
             A seal costs little but needs the cistern drained and sometimes removed. Book a plumbing visit and \
             mention the make of the cistern if you know it, so we bring the right part.",
        )],
    ),
    (
        "low-water-pressure",
        "plumbing",
        &[(
            "en",
            "Low water pressure at one tap or everywhere",
            "## One tap only\n\n\
             Unscrew the **aerator** at the end of the spout and rinse out the grit and limescale; soak it in \
             vinegar for an hour if it is crusted. Check that the tap's isolation valve is fully open.\n\n\
             ## The whole house\n\n\
             Ask a neighbour: if they have the same problem, the water company is working on the network. If \
             not, check that the main stop valve is fully open (anticlockwise). A sudden drop with a hissing \
             sound somewhere can mean a hidden leak — read the water meter, use no water for an hour and read it \
             again. If it moved, request a visit.",
        )],
    ),
    (
        "boiler-pressure-low",
        "heating",
        &[
            (
                "en",
                "Boiler pressure is low",
                "Most combination boilers need **1 to 1.5 bar** on the gauge when the heating is cold. Below \
                 0.5 bar they stop and show a fault code.\n\n\
                 ## Top it up\n\n\
                 1. Switch the boiler off and let it cool.\n\
                 2. Find the **filling loop**: a braided hose or a key under the boiler, with one or two taps.\n\
                 3. Open the taps slowly and watch the gauge. Close them at 1.2 bar.\n\
                 4. Switch the boiler on and reset it if it shows a fault.\n\n\
                 ## If it keeps dropping\n\n\
                 Losing pressure within days means water escapes somewhere: a dripping pressure relief pipe \
                 outside, a weeping radiator valve, or a failing expansion vessel. Bleeding radiators also lowers \
                 the pressure, so check it afterwards. Request a heating visit if you top up more than once a \
                 month.",
            ),
            (
                "pl",
                "Niskie ciśnienie w kotle",
                "Większość kotłów dwufunkcyjnych potrzebuje **od 1 do 1,5 bara** na manometrze, gdy ogrzewanie jest \
                 zimne. Poniżej 0,5 bara kocioł się wyłącza i pokazuje kod błędu.\n\n\
                 ## Jak uzupełnić\n\n\
                 1. Wyłącz kocioł i poczekaj, aż ostygnie.\n\
                 2. Znajdź **zawór napełniający** pod kotłem.\n\
                 3. Odkręcaj go powoli, obserwując manometr. Zakręć przy 1,2 bara.\n\
                 4. Włącz kocioł i zresetuj go, jeśli pokazuje błąd.\n\n\
                 ## Jeśli ciśnienie wciąż spada\n\n\
                 Woda gdzieś ucieka: kapie z rury zaworu bezpieczeństwa, przecieka zawór grzejnika albo zawodzi \
                 naczynie wzbiorcze. Zgłoś wizytę, jeśli uzupełniasz częściej niż raz w miesiącu.",
            ),
        ],
    ),
    (
        "bleed-a-radiator",
        "heating",
        &[
            (
                "en",
                "How to bleed a radiator",
                "A radiator that is **cold at the top and warm at the bottom** has air in it.\n\n\
                 1. Turn the heating on until the radiators are hot, then switch it off and wait 20 minutes.\n\
                 2. Hold a cloth under the bleed valve (the small square at the top corner) and turn it a quarter \
                 anticlockwise with a radiator key or a flat screwdriver.\n\
                 3. Air hisses out. Close the valve as soon as water appears.\n\
                 4. Check the boiler pressure and top it up if needed.\n\n\
                 Start with the radiator furthest from the boiler on the ground floor, then work upwards. A \
                 radiator that is cold at the **bottom** is blocked with sludge instead: bleeding will not help, \
                 a system flush will.",
            ),
            (
                "pl",
                "Jak odpowietrzyć grzejnik",
                "Grzejnik **zimny u góry i ciepły na dole** jest zapowietrzony.\n\n\
                 1. Włącz ogrzewanie, aż grzejniki będą gorące, potem je wyłącz i odczekaj 20 minut.\n\
                 2. Przyłóż szmatkę pod odpowietrznik (mały kwadratowy zawór w górnym rogu) i odkręć go o ćwierć \
                 obrotu kluczykiem lub płaskim śrubokrętem.\n\
                 3. Powietrze syczy. Zakręć zawór, gdy tylko pojawi się woda.\n\
                 4. Sprawdź ciśnienie w kotle i w razie potrzeby je uzupełnij.\n\n\
                 Grzejnik zimny **na dole** jest zamulony: odpowietrzanie nie pomoże, pomoże płukanie instalacji.",
            ),
        ],
    ),
    (
        "boiler-fault-codes",
        "heating",
        &[(
            "en",
            "What a boiler fault code means",
            "Fault codes differ by make, but most fall into a few groups. Note the code and the make and model \
             (on a sticker under the front cover) in your request.\n\n\
             | Symptom | Common cause | What you can try |\n\
             |:--|:--|:--|\n\
             | Low pressure code | Pressure below 0.5 bar | Top up, see *Boiler pressure is low* |\n\
             | Ignition or flame failure | Gas supply, frozen condensate pipe | Check other gas appliances; thaw the pipe with warm water |\n\
             | Overheating | Pump or blocked system | Reset once; if it returns, request a visit |\n\n\
             Reset a boiler **once**. A fault that comes back needs a technician. If you smell gas, do not reset \
             anything: leave the house and call the gas emergency number.",
        )],
    ),
    (
        "thermostat-schedule",
        "heating",
        &[(
            "en",
            "Setting a heating schedule on your thermostat",
            "A schedule keeps the house comfortable and saves 5–10% on heating.\n\n\
             - Set **comfort** periods for when you are at home and awake, around 19–21 °C.\n\
             - Set **setback** periods for nights and working hours, 3–4 °C lower. Setting the heating off \
             entirely makes the morning warm-up slower and can cost more in cold weather.\n\
             - Start heating 30–60 minutes before you need the warmth.\n\n\
             Smart thermostats can learn this by themselves; check that their *frost protection* stays on when \
             you are away.",
        )],
    ),
    (
        "no-hot-water",
        "heating",
        &[(
            "en",
            "Heating works but there is no hot water",
            "On a **combination boiler**, hot water is made on demand: check the boiler's hot water setting and \
             run the tap at full flow (a very low flow does not start the burner). A diverter valve that sticks \
             is a common fault and needs a technician.\n\n\
             With a **hot water cylinder**, check the programmer's hot water times and the cylinder thermostat \
             (around 60 °C). If the cylinder has an immersion heater, its switch is usually in the airing \
             cupboard.",
        )],
    ),
    (
        "breaker-keeps-tripping",
        "electrical",
        &[
            (
                "en",
                "A circuit breaker or RCD keeps tripping",
                "A trip is a safety device doing its job. Find out what trips it before resetting again.\n\n\
                 1. Switch off and unplug everything on the affected circuit.\n\
                 2. Reset the breaker or RCD (switch it fully down, then up).\n\
                 3. Plug appliances back one at a time. The one that trips it is faulty: stop using it.\n\n\
                 If it trips with **nothing** plugged in, the fault is in the wiring — often water in an outdoor \
                 socket or light. Leave that circuit off and request an electrical visit. Never hold a breaker up \
                 or tape it.",
            ),
            (
                "pl",
                "Bezpiecznik lub różnicówka ciągle się wyłącza",
                "Zadziałanie zabezpieczenia to znak, że coś jest nie tak. Najpierw znajdź przyczynę.\n\n\
                 1. Wyłącz i odłącz wszystkie urządzenia na tym obwodzie.\n\
                 2. Włącz bezpiecznik lub wyłącznik różnicowoprądowy (do końca w dół, potem w górę).\n\
                 3. Podłączaj urządzenia po jednym. To, przy którym wybija, jest uszkodzone.\n\n\
                 Jeśli wybija **bez** podłączonych urządzeń, usterka jest w instalacji. Zostaw obwód wyłączony \
                 i zgłoś wizytę elektryka.",
            ),
        ],
    ),
    (
        "socket-not-working",
        "electrical",
        &[(
            "en",
            "A socket has stopped working",
            "- Try another appliance in the socket, to rule out the plug's fuse.\n\
             - Check the consumer unit for a tripped breaker or RCD.\n\
             - Some kitchen and bathroom sockets are on a **fused spur**: a switch with a small fuse drawer \
             nearby. Replace that fuse with one of the same rating.\n\n\
             A socket that is warm, buzzes, smells of burning or has scorch marks must not be used: switch off \
             its circuit and request an urgent visit.",
        )],
    ),
    (
        "lights-flicker",
        "electrical",
        &[(
            "en",
            "Lights flicker or dim",
            "One flickering light is usually the bulb or an LED that does not suit the dimmer switch: try a \
             bulb marked *dimmable*, or a standard switch.\n\n\
             If lights dim when a large appliance starts (an oven, a kettle), and especially if several rooms \
             flicker, a connection may be loose at the consumer unit or the meter. Loose connections heat up: \
             request an electrical inspection and mention which rooms are affected.",
        )],
    ),
    (
        "washing-machine-not-draining",
        "appliances",
        &[
            (
                "en",
                "The washing machine does not drain or spin",
                "Machines stop before the spin when they cannot pump the water out.\n\n\
                 ## Clean the pump filter\n\n\
                 1. Switch the machine off and unplug it.\n\
                 2. The filter is behind a small flap at the bottom front. Put towels and a baking tray under it: \
                 several litres can come out.\n\
                 3. Unscrew the filter slowly, let the water drain, then remove coins, hair grips and fluff.\n\
                 4. Screw it back firmly and run a *rinse and spin*.\n\n\
                 ## Check the hose\n\n\
                 A kinked drain hose behind the machine, or a blocked sink waste it drains into, stops it too.\n\n\
                 If the pump hums but nothing moves, or you hear nothing at all, the pump has failed: request an \
                 appliance visit with the make and model (on the door rim).",
            ),
            (
                "pl",
                "Pralka nie odpompowuje wody lub nie wiruje",
                "Pralka zatrzymuje się przed wirowaniem, gdy nie może wypompować wody.\n\n\
                 ## Wyczyść filtr pompy\n\n\
                 1. Wyłącz pralkę i wyjmij wtyczkę z gniazdka.\n\
                 2. Filtr jest za małą klapką na dole z przodu. Podłóż ręczniki i blachę do pieczenia.\n\
                 3. Odkręcaj filtr powoli, spuść wodę i usuń monety, spinki i kłaczki.\n\
                 4. Dokręć filtr i uruchom *płukanie i wirowanie*.\n\n\
                 Jeśli pompa buczy, ale nic się nie dzieje, jest uszkodzona: zgłoś wizytę serwisu AGD.",
            ),
        ],
    ),
    (
        "dishwasher-not-cleaning",
        "appliances",
        &[(
            "en",
            "The dishwasher leaves dishes dirty",
            "- Clean the **filter** at the bottom of the tub every month: twist it out and rinse it under the tap.\n\
             - Check that the **spray arms** turn freely and their holes are not blocked (a toothpick clears them).\n\
             - Load so that nothing blocks the arms, and fill the **rinse aid and salt** if your water is hard.\n\
             - Run the hot tap first so the machine starts with hot water.\n\n\
             White film on glasses means hard water: add salt and raise the softener setting. Gritty residue \
             means a blocked filter.",
        )],
    ),
    (
        "fridge-not-cold",
        "appliances",
        &[(
            "en",
            "The fridge is not cold enough",
            "The fridge should be at 3–5 °C and the freezer at −18 °C.\n\n\
             - Leave space behind and above the fridge; the coils need air.\n\
             - Check the **door seal**: close the door on a sheet of paper — if it slides out easily, the seal \
             leaks.\n\
             - Vacuum the dust off the coils at the back or bottom.\n\
             - A frozen back wall with a warm fridge means the defrost system has failed.\n\n\
             Move food to a cool box if the fridge is above 8 °C for more than a few hours, and request a visit.",
        )],
    ),
    (
        "oven-not-heating",
        "appliances",
        &[(
            "en",
            "The oven does not heat up",
            "If the light and fan work but the oven stays cold, check that the **clock** is set: many ovens do not \
             heat until the time is set after a power cut. Check the child lock and that an *auto* program is not \
             waiting to start.\n\n\
             An electric oven that heats only at the top or only at the bottom has a failed element; a fan oven \
             that stays cold with the fan turning has a failed fan element. Both are replaced in one visit if we \
             know the model: it is on a plate inside the door frame.",
        )],
    ),
    (
        "book-or-reschedule",
        "billing-appointments",
        &[
            (
                "en",
                "Booking, rescheduling or cancelling a visit",
                "## Booking\n\n\
                 [Request service](/requests/new) with a short description and up to three time windows that \
                 suit you. We confirm one window, usually within the first-response time shown for the \
                 category.\n\n\
                 ## Changing a visit\n\n\
                 Open your request from the tracking link in your confirmation email (or *My requests* when signed \
                 in) and propose new windows. You can do this until the technician is on the way.\n\n\
                 ## Cancelling\n\n\
                 Cancel from the same page and tell us why. Cancellations are free until the technician is on site.",
            ),
            (
                "pl",
                "Umawianie, zmiana terminu lub odwołanie wizyty",
                "## Umawianie\n\n\
                 [Zgłoś usługę](/requests/new) z krótkim opisem i maksymalnie trzema dogodnymi przedziałami \
                 czasowymi. Potwierdzimy jeden z nich.\n\n\
                 ## Zmiana terminu\n\n\
                 Otwórz zgłoszenie z linku w e-mailu potwierdzającym (lub w *Moich zgłoszeniach* po zalogowaniu) \
                 i zaproponuj nowe terminy — do chwili, gdy technik wyruszy.\n\n\
                 ## Odwołanie\n\n\
                 Odwołaj wizytę na tej samej stronie. Do przyjazdu technika jest to bezpłatne.",
            ),
        ],
    ),
    (
        "how-prices-work",
        "billing-appointments",
        &[(
            "en",
            "How our prices work",
            "Every visit has a **call-out charge** that includes the first 30 minutes on site. After that we \
             charge labour per started 15 minutes, plus parts at the price on the invoice.\n\n\
             - The technician tells you the estimated cost before starting any work beyond the diagnosis.\n\
             - If we need to come back with a part, the second visit has no call-out charge.\n\
             - Emergency visits in the evening, at night or on public holidays have a higher call-out charge; \
             we tell you when you book.",
        )],
    ),
    (
        "invoices-and-payment",
        "billing-appointments",
        &[(
            "en",
            "Invoices and paying",
            "You receive the invoice by email after the job is marked completed. You can pay by card on site, by \
             bank transfer within 14 days, or by the payment link in the email.\n\n\
             Need the invoice in a company's name? Give the company name and tax number in the request \
             description before the visit; invoices cannot be reissued to another buyer afterwards. For a \
             question about an invoice, reply to its email and quote its number.",
        )],
    ),
    (
        "what-to-prepare-for-a-visit",
        "billing-appointments",
        &[(
            "en",
            "Preparing for a technician's visit",
            "- Clear a path and about a metre of space around the appliance, boiler or sink.\n\
             - Have the make and model ready, and any error code.\n\
             - Tell us about parking restrictions, entry codes and pets in the request.\n\
             - Someone over 18 needs to be at home for the whole visit.\n\n\
             You can follow the technician on your tracking page: it shows the confirmed window, and the \
             expected arrival time once they are on the way.",
        )],
    ),
];

/// Adds the demo topics and the articles that do not exist yet; returns how many articles it added.
pub async fn seed(db: &Db) -> DbResult<usize> {
    let now = now_ms();
    let mut topic_ids = Vec::new();
    for (position, (slug, names)) in TOPICS.iter().enumerate() {
        let slug = Slug::parse(slug).expect("demo topic slugs are valid");
        topic_ids.push((slug.to_string(), ensure_category(db, &slug, position as i64, names, now).await?));
    }
    let mut added = 0;
    for (slug, topic, translations) in ARTICLES {
        let exists = {
            let mut conn = db.acquire().await?;
            kb::article_id(&mut conn, slug).await?.is_some()
        };
        if exists {
            continue;
        }
        let category_id = topic_ids.iter().find(|(s, _)| s == topic).map(|(_, id)| *id).expect("a demo topic");
        let slug = Slug::parse(slug).expect("demo article slugs are valid");
        let input =
            ArticleInput { slug: &slug, category_id, status: ArticleStatus::Published, translations, author_id: None };
        create_article(db, &input, now).await?;
        added += 1;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_content_is_well_formed() {
        assert!(ARTICLES.len() >= 20);
        for (slug, topic, translations) in ARTICLES {
            assert!(Slug::parse(slug).is_ok(), "{slug}");
            assert!(TOPICS.iter().any(|(t, _)| t == topic), "{slug}: {topic}");
            assert_eq!(translations[0].0, "en", "{slug}: English first");
            for (_, title, body) in translations.iter() {
                assert!(!title.is_empty() && body.len() > 200, "{slug}");
                assert!(!crate::server::markdown::render(body).html.contains("<script"));
            }
        }
    }
}
