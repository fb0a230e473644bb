"""Query-side translation of key English terms into French, so English needs match French evidence lexically.

Most profiles are French (i-Lab projects, RNSR records, ANR committees); the dense encoder is multilingual but
the lexical signals only see shared stems (the double French+English stemmer already maps "imaging" and
"imagerie" to one stem). The glossary below covers the health and technology words whose English and French
forms share no stem ("liver" / "foie", "wound dressing" / "pansement"). It was written by us for this purpose
from the vocabulary of the bundled profiles and of authored English needs; the English side lists the word as
a person types it, the French side the words the profiles use.
"""

from __future__ import annotations

import re
from functools import lru_cache

from matchmaker.ranking.stopwords import ENGLISH_STOPWORDS, FRENCH_STOPWORDS
from matchmaker.ranking.text import fold

_GLOSSARY = """
heart: cœur cardiaque
heart failure: insuffisance cardiaque
deep learning: apprentissage profond
machine learning: apprentissage automatique
artificial intelligence: intelligence artificielle
image analysis: analyse d'images
image processing: traitement d'images
computer vision: vision par ordinateur
spinal cord: moelle épinière
stem cells: cellules souches
clinical trial: essai clinique
clinical trials: essais cliniques
medical device: dispositif médical
medical devices: dispositifs médicaux
blood test: test sanguin
drug delivery: vectorisation administration de médicaments
drug discovery: découverte de médicaments criblage
wound healing: cicatrisation
gene therapy: thérapie génique
cell therapy: thérapie cellulaire
cardiac: cardiaque cœur
chest: thorax thoracique poitrine
lung: poumon pulmonaire
lungs: poumons pulmonaire
liver: foie hépatique
kidney: rein rénal
kidneys: reins rénal
brain: cerveau cérébral
skin: peau cutané
bone: os osseux
bones: os osseux
blood: sang sanguin
eye: œil oculaire
eyes: yeux oculaire
ear: oreille auditif
teeth: dents dentaire
tooth: dent dentaire
dental: dentaire
bowel: intestin
gut: intestin intestinal
stomach: estomac gastrique
breast: sein mammaire
womb: utérus
bladder: vessie
spinal: spinal moelle
cord: moelle
nerve: nerf
nerves: nerfs
muscle: muscle musculaire
joint: articulation articulaire
joints: articulations articulaire
wound: plaie cicatrisation
wounds: plaies cicatrisation
healing: cicatrisation guérison
dressing: pansement
dressings: pansements
bedsores: escarres
ulcers: ulcères
burn: brûlure
burns: brûlures
pain: douleur
stroke: AVC accident vasculaire cérébral
seizure: crise épileptique
hearing: audition auditif
deafness: surdité
blindness: cécité
sight: vision
sleep: sommeil
ageing: vieillissement
aging: vieillissement
elderly: personnes âgées
newborn: nouveau-né néonatal
children: enfants pédiatrique
child: enfant pédiatrique
pregnancy: grossesse
birth: naissance accouchement
disease: maladie pathologie
diseases: maladies pathologies
illness: maladie
disorder: trouble
disorders: troubles
injury: lésion traumatisme
injuries: lésions traumatismes
failure: insuffisance défaillance
shock: choc
drug: médicament
drugs: médicaments
medicine: médecine médicament
medicines: médicaments
treatment: traitement
treatments: traitements
treat: traiter
therapy: thérapie traitement
care: soins prise en charge
nursing: soins infirmiers
hospital: hôpital hospitalier
emergency: urgence urgences
triage: tri orientation urgences
surgery: chirurgie chirurgical
surgeon: chirurgien
surgeons: chirurgiens
screening: dépistage criblage
test: test dosage
testing: tests essais
trial: essai
trials: essais
assay: dosage test
assays: dosages tests
diagnosis: diagnostic
diagnose: diagnostiquer diagnostic
diagnostics: diagnostic
monitoring: surveillance suivi monitorage
tracking: suivi
follow-up: suivi
remote: à distance télésurveillance
wearable: portable connecté
device: dispositif appareil
devices: dispositifs appareils
tool: outil
tools: outils
kit: kit trousse
sensor: capteur
sensors: capteurs
probe: sonde
probes: sondes
scanner: scanner imageur
x-ray: radiographie rayons X
x-rays: radiographies rayons X
radiograph: radiographie
scan: examen imagerie
ultrasound: ultrasons échographie
ultrasonic: ultrasonore
sonography: échographie
mri: IRM résonance magnétique
ct: scanner tomodensitométrie
imaging: imagerie
image: image
images: images
picture: image
microscope: microscope
microscopy: microscopie
laser: laser
light: lumière optique
fibre: fibre
fiber: fibre
smartphone: smartphone téléphone
software: logiciel
app: application
learning: apprentissage
deep: profond
machine: machine automatique
artificial: artificielle
intelligence: intelligence
ai: IA intelligence artificielle
data: données
dataset: données
mining: fouille
computing: calcul informatique
computer: ordinateur informatique
vision: vision
modelling: modélisation
modeling: modélisation
model: modèle
models: modèles
simulation: simulation
printing: impression
printed: imprimé
bioprinting: bio-impression
tissue: tissu tissulaire
tissues: tissus tissulaire
cell: cellule cellulaire
cells: cellules cellulaire
stem: souches
culture: culture
cultured: cultivées culture
protein: protéine
proteins: protéines
antibody: anticorps
antibodies: anticorps
enzyme: enzyme enzymatique
enzymes: enzymes enzymatique
gene: gène génique
genes: gènes génique
genetic: génétique
sequencing: séquençage
vaccine: vaccin vaccinal
vaccines: vaccins
virus: virus viral
viruses: virus viral
bacteria: bactéries bactérien
bacterial: bactérien
fungal: fongique
fungi: champignons fongique
yeast: levure
germs: germes
infection: infection infectieux
infections: infections infectieux
cancer: cancer tumeur
cancers: cancers tumeurs
tumour: tumeur tumoral
tumor: tumeur tumoral
tumours: tumeurs
tumors: tumeurs
leukaemia: leucémie
leukemia: leucémie
blood cancers: hémopathies malignes
sugar: sucre glucose
fat: graisse lipide
fats: lipides
oil: huile
seeds: graines
food: aliment alimentaire agroalimentaire
farming: agriculture élevage
farm: ferme élevage
livestock: bétail élevage
animal: animal vétérinaire
animals: animaux
plant: plante végétal
plants: plantes végétal
water: eau
waste: déchets
soil: sol
sea: mer marin
marine: marin
wine: vin
chemistry: chimie
chemical: chimique
physics: physique
engineering: ingénierie génie
materials: matériaux
material: matériau
coating: revêtement
surface: surface
polymer: polymère
polymers: polymères
glass: verre
metal: métal
implant: implant
implants: implants
prosthesis: prothèse
prostheses: prothèses
robot: robot robotique
robotic: robotique
robotics: robotique
stimulation: stimulation
neurostimulation: neurostimulation
patch: patch
injection: injection
injector: injecteur
syringe: seringue
needle: aiguille
delivery: délivrance administration vectorisation
release: libération
targeted: ciblé
target: cible
targets: cibles
nanoparticles: nanoparticules
particles: particules
bubbles: bulles
microbubbles: microbulles
chip: puce
chips: puces
biochips: biopuces
lab-on-a-chip: laboratoire sur puce
flow: débit écoulement
pressure: pression
measurement: mesure
measure: mesurer mesure
measuring: mesure
smell: odeur odorat
odour: odeur
breath: haleine souffle
sweat: sueur
urine: urine urinaire
saliva: salive
safety: sécurité
safe: sûr sécurisé
toxicity: toxicité
poisoning: intoxication
resistance: résistance
survival: survie
death: mort décès
growth: croissance
repair: réparation
regeneration: régénération
regenerative: régénérative
rare: rare
chronic: chronique
acute: aigu aiguë
severe: sévère grave
early: précoce
low-cost: faible coût
cheap: bas coût
fast: rapide
rapid: rapide
portable: portable
handheld: portatif de poche
pocket: de poche
lab: laboratoire
laboratory: laboratoire
team: équipe
research: recherche
expertise: expertise compétences
skills: compétences
partner: partenaire
company: entreprise société
manufacturer: fabricant
supplier: fournisseur
subcontractor: sous-traitant
"""

_WORDS = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@lru_cache(maxsize=1)
def glossary() -> dict[tuple[str, ...], str]:
    """Return the English term (tuple of folded words) -> French words map."""
    entries = {}
    for line in _GLOSSARY.strip().splitlines():
        english, _, french = line.partition(":")
        entries[tuple(_WORDS.findall(fold(english)))] = french.strip()
    return entries


@lru_cache(maxsize=1)
def _english_only_words() -> frozenset[str]:
    """Return the one-word glossary terms that are not also French words of the glossary ("liver", not "test")."""
    french = {w for value in glossary().values() for w in _WORDS.findall(fold(value))}
    return frozenset(key[0] for key in glossary() if len(key) == 1 and key[0] not in french)


def is_english(text: str) -> bool:
    """Return True when ``text`` reads as English.

    More English than French function words, or, for a short phrase without French function words, at least
    one English-only content word of the glossary ("Therapeutic RNAs to treat hepatitis C").
    """
    words = [w for w in _WORDS.findall(fold(text)) if len(w) > 1]  # "c", "s", "a" belong to both languages
    english = sum(1 for w in words if w in ENGLISH_STOPWORDS and w not in FRENCH_STOPWORDS)
    french = sum(1 for w in words if w in FRENCH_STOPWORDS and w not in ENGLISH_STOPWORDS)
    if english != french:
        return english > french
    return french == 0 and any(w in _english_only_words() for w in words)


def translate_terms(text: str) -> list[str]:
    """Return the French equivalents of the glossary terms of an English text (longest terms first)."""
    words = _WORDS.findall(fold(text))
    table = glossary()
    longest = max((len(k) for k in table), default=1)
    found, i = [], 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            french = table.get(tuple(words[i : i + size]))
            if french:
                found.append(french)
                i += size
                break
        else:
            i += 1
    return found


def lexical_query(text: str) -> str:
    """Return the text the lexical signals read: an English need gets the French equivalents of its key terms."""
    if not is_english(text):
        return text
    extra = translate_terms(text)
    return f"{text} {' '.join(extra)}" if extra else text
