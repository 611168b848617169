"""What each user may see of the catalogue (accounts/roles.py): one place for API and pages."""
from accounts.roles import is_seller, is_staff_member

from .models import Product, Seller


def visible_products(user):
    """All products for staff, their seller's for sellers, none for anyone else."""
    if is_staff_member(user):
        return Product.objects.all()
    if is_seller(user):
        return Product.objects.filter(seller_id=user.seller_id)
    return Product.objects.none()


def visible_sellers(user):
    if is_staff_member(user):
        return Seller.objects.all()
    if is_seller(user):
        return Seller.objects.filter(pk=user.seller_id)
    return Seller.objects.none()
